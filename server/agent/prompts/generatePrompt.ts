import type { ChatMessage } from "../../inference/types.js";
import type { PlanStep } from "../types.js";
import { clip, DATA_RULES, dataBlock } from "./dataBlock.js";

export interface GeneratePromptInput {
  instruction: string;
  step: PlanStep;
  language: string | null;
  /** The code of the step's span as it is now (empty for a new file). */
  code: string;
  /** Lines that use the symbol elsewhere (`path:line: text`). */
  references: string[];
  /** Similar code from the project, as few-shot examples of its patterns. */
  examples: Array<{ path: string; text: string }>;
  /** Structured feedback from the last failed verification. */
  feedback: string | null;
  /** The candidate that failed, so the model can correct it rather than start over. */
  previous: string | null;
  /** Total characters the prompt may use (the model's context minus the reply). */
  budgetChars: number;
}

/** A focused prompt for one single-symbol edit, within a character budget (code first, then feedback, uses, examples). */
export function generatePrompt(input: GeneratePromptInput): ChatMessage[] {
  const { step, language } = input;
  const what = step.kind === "create" ? `the new file ${step.target.path}` : `\`${step.target.symbol ?? step.target.path}\` in ${step.target.path}`;
  const system =
    `You are a careful ${language ?? ""} programmer working inside a larger tool. You change exactly one code unit: ${what}. ` +
    `Reply with its complete new code in one fenced code block and nothing else. Keep its name and signature unless the task says otherwise. ${DATA_RULES}`;
  let remaining = Math.max(400, input.budgetChars - system.length);
  const parts: string[] = [`Instruction from the user: ${input.instruction}`, `Task: ${step.goal}`];
  remaining -= parts.join("\n").length;
  const take = (label: string, text: string, share: number): void => {
    if (!text || remaining <= 80) return;
    const block = dataBlock(label, clip(text, Math.max(80, Math.floor(remaining * share))));
    parts.push(block);
    remaining -= block.length;
  };
  if (step.kind === "create") parts.push(`Write the whole content of ${step.target.path}.`);
  else take(`code path="${step.target.path}" lines="${step.target.startLine}-${step.target.endLine}"`, input.code, 1);
  if (input.feedback) {
    parts.push("The previous attempt failed verification. Fix what the report shows:");
    take("verification-report", input.feedback, 0.6);
    if (input.previous) take("previous-attempt", input.previous, 0.5);
  }
  if (input.references.length > 0) take("uses", input.references.join("\n"), 0.5);
  for (const example of input.examples) take(`example path="${example.path}"`, example.text, 0.5);
  parts.push(step.kind === "create" ? `Reply with the content of ${step.target.path} in one code block.` : `Reply with the full new version of ${what} in one code block.`);
  return [
    { role: "system", text: system },
    { role: "user", text: parts.join("\n\n") },
  ];
}

/** Re-indents a reply to the original span's indentation when the model dropped it (methods, nested code). */
export function matchIndentation(code: string, original: string): string {
  const indentOf = (text: string) => text.split("\n").find((l) => l.trim() !== "")?.match(/^\s*/)?.[0] ?? "";
  const want = indentOf(original);
  const have = indentOf(code);
  if (want === have || have.length >= want.length) return code;
  const extra = want.slice(have.length);
  return code
    .split("\n")
    .map((l) => (l.trim() === "" ? l : extra + l))
    .join("\n");
}
