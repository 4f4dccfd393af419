import type { ChatMessage } from "../inference/types.js";
import { generateVerified } from "./generateVerified.js";
import { jsonStringFields } from "./prompt/jsonAnswer.js";
import type { ActionEnvironment, EditPlan } from "./types.js";

// Answers shown in a window (Explain, user actions with result "window"): the same best-of-N loop as
// edits, with JSON-constrained output ({"<field>": "markdown"}) so the answer ends where its object does.

export interface AnswerOptions {
  env: ActionEnvironment;
  label: string;
  /** The window's title. */
  title: string;
  messages: ChatMessage[];
  maxTokens: number;
  /** The JSON field that carries the answer. */
  field: string;
  /** Wraps the model's text into the document shown (a heading, where the code is). */
  present(text: string): string;
}

export function answerSchema(field: string) {
  return { type: "object", properties: { [field]: { type: "string" } }, required: [field] } as const;
}

export async function generateAnswer(options: AnswerOptions): Promise<EditPlan> {
  let markdown = "";
  let answerText = "";
  const plan = await generateVerified({
    env: options.env,
    label: options.label,
    messages: options.messages,
    maxTokens: options.maxTokens,
    jsonSchema: answerSchema(options.field),
    build(answer) {
      const text = (jsonStringFields(answer, options.field)[options.field] ?? "").trim();
      if (text === "") return { ok: false, reason: `the model returned no ${options.label}` };
      markdown = options.present(text);
      answerText = text;
      // Nothing in the workspace changes, so there is nothing to parse-check.
      return { ok: true, changes: [] };
    },
    languageOfUri: () => null,
  });
  return { ...plan, answer: { title: options.title, markdown, text: answerText } };
}
