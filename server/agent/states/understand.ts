import { z } from "zod";
import { askJson } from "../model/askJson.js";
import { DATA_RULES } from "../prompts/dataBlock.js";
import { INTENTS, type Intent } from "../types.js";
import type { StateHandler } from "./StateContext.js";

const KEYWORDS: Array<[Intent, RegExp]> = [
  ["rename", /\brename\b/i],
  ["explain", /\b(explain|describe|what does|how does|why does)\b/i],
  ["fix", /\b(fix|bug|broken|fail(s|ing)?|error|crash|wrong)\b/i],
  ["refactor", /\b(refactor|extract|simplify|clean ?up|restructure|split)\b/i],
  ["add", /\b(add|create|implement|write|new)\b/i],
];

/** The harness's own guess, used without a model and when the model's answer is unusable. */
export function keywordIntent(instruction: string): Intent {
  return KEYWORDS.find(([, re]) => re.test(instruction))?.[0] ?? "edit";
}

const IntentSchema = z.object({ intent: z.enum(INTENTS) });

/** UNDERSTAND: classify the instruction by constrained output. */
export const understand: StateHandler = async ({ deps, snapshot }) => {
  const fallback = { intent: keywordIntent(snapshot.request.instruction) };
  const { value, fromModel } = await askJson({
    engine: deps.engine,
    messages: [
      { role: "system", text: `You classify a coding instruction. ${DATA_RULES}` },
      {
        role: "user",
        text: `Instruction: ${snapshot.request.instruction}\n\nWhich kind of change is it: ${INTENTS.join(", ")}? Answer as JSON {"intent": "..."}.`,
      },
    ],
    jsonSchema: { type: "object", properties: { intent: { enum: [...INTENTS] } }, required: ["intent"] },
    validate: IntentSchema,
    fallback,
    maxTokens: 24,
    signal: deps.signal,
    logger: deps.logger,
  });
  // "explain" changes nothing: a weak model must not silently turn an edit request into a no-op.
  const intent = value.intent === "explain" && fallback.intent !== "explain" ? fallback.intent : value.intent;
  snapshot.intent = intent;
  if (intent !== value.intent) snapshot.notes.push(`the model classified the instruction as "explain"; kept "${intent}" because the instruction asks for a change`);
  else if (!fromModel) snapshot.notes.push(`intent "${value.intent}" chosen by the harness (keywords)`);
  return "LOCATE";
};
