import type { z } from "zod";
import type { ChatMessage, InferenceEngine, JsonSchema } from "../../inference/types.js";
import { isAbortError } from "../../util/abort.js";
import { errorMessage, type Logger } from "../../util/logger.js";

export interface AskJsonOptions<T> {
  engine: InferenceEngine | null;
  messages: ChatMessage[];
  /** Constrains the model's output (grammar-based with the embedded backend). */
  jsonSchema: JsonSchema;
  /** Validates the parsed output again: a constrained model can still produce something useless. */
  validate: z.ZodType<T>;
  /** What the harness does when there is no model or its answer is unusable. */
  fallback: T;
  maxTokens?: number;
  signal?: AbortSignal;
  logger: Logger;
}

export interface AskJsonResult<T> {
  value: T;
  /** True when the value came from the model, false when the harness fell back. */
  fromModel: boolean;
  raw: string;
}

/** Constrained classification: the model answers in JSON matching the schema, or the harness decides. */
export async function askJson<T>(options: AskJsonOptions<T>): Promise<AskJsonResult<T>> {
  const { engine, fallback, logger } = options;
  if (!engine) return { value: fallback, fromModel: false, raw: "" };
  let raw = "";
  try {
    const result = await engine.complete({
      messages: options.messages,
      jsonSchema: options.jsonSchema,
      maxTokens: options.maxTokens ?? 96,
      temperature: 0,
      signal: options.signal,
    });
    raw = result.text;
    const parsed = options.validate.safeParse(JSON.parse(raw));
    if (parsed.success) return { value: parsed.data, fromModel: true, raw };
    logger.debug(`agent: model JSON did not validate (${parsed.error.issues[0]?.message ?? "invalid"}); using the harness default`);
  } catch (error) {
    if (isAbortError(error) || options.signal?.aborted) throw error;
    logger.debug(`agent: constrained call failed (${errorMessage(error)}); using the harness default`);
  }
  return { value: fallback, fromModel: false, raw };
}
