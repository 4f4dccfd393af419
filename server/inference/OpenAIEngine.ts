import type { BackendSettings, ModelSettings } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import { BackendError } from "./errors.js";
import type { CompleteRequest, GenerationResult, InferenceEngine, InfillRequest, ModelInfo } from "./types.js";

export interface OpenAIEngineOptions {
  backend: BackendSettings;
  model: ModelSettings;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

// Placeholder while the HTTP backend is being written.
export class OpenAIEngine implements InferenceEngine {
  readonly stats = { infillCalls: 0, completeCalls: 0 };
  readonly loaded = false;
  constructor(private readonly options: OpenAIEngineOptions) {}
  load(): Promise<ModelInfo> {
    return Promise.reject(new BackendError(`dhi: backend.type "openai" (${this.options.backend.url}) is not available yet`));
  }
  infill(_r: InfillRequest): Promise<GenerationResult> {
    return this.load().then(() => { throw new Error("unreachable"); });
  }
  complete(_r: CompleteRequest): Promise<GenerationResult> {
    return this.load().then(() => { throw new Error("unreachable"); });
  }
  tokenize(): Promise<number[]> {
    return this.load().then(() => []);
  }
  countTokens(): Promise<number> {
    return this.load().then(() => 0);
  }
  async dispose(): Promise<void> {}
}
