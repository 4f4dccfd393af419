import type { Settings } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import type { InferenceEngine } from "./types.js";

export interface CreateEngineOptions {
  settings: Settings;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Builds the configured backend (embedded node-llama-cpp or OpenAI-compatible). Must not load the model: loading is lazy. */
export function createInferenceEngine(_options: CreateEngineOptions): InferenceEngine {
  throw new Error("dhi: inference is not available in this build yet");
}
