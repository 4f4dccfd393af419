import type { Settings } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import { LlamaEngine, type SpeculationOptions } from "./LlamaEngine.js";
import { OllamaEngine } from "./OllamaEngine.js";
import { OpenAIEngine } from "./OpenAIEngine.js";
import type { FimLayout } from "./fimPrompt.js";
import type { InferenceEngine } from "./types.js";

export interface CreateEngineOptions {
  settings: Settings;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Speculative decoding switches (embedded backend). Defaults: draft on when `model.draftPath` is set, prompt lookup on. */
  speculation?: SpeculationOptions;
  /** FIM prompt layout. Defaults to "auto". */
  fimLayout?: FimLayout | "auto";
  /** Repository name for repo-level FIM templates (e.g. the workspace folder name). */
  repoName?: string;
}

/** Builds the configured backend (embedded node-llama-cpp, OpenAI-compatible or Ollama). Must not load the model: loading is lazy. */
export function createInferenceEngine(options: CreateEngineOptions): InferenceEngine {
  const { settings, logger, env } = options;
  if (settings.backend.type === "openai") {
    return new OpenAIEngine({ backend: settings.backend, model: settings.model, logger, env });
  }
  if (settings.backend.type === "ollama") return new OllamaEngine({ backend: settings.backend, model: settings.model, logger });
  return new LlamaEngine({
    model: settings.model,
    logger,
    env,
    speculation: options.speculation ?? settings.model.speculation,
    fimLayout: options.fimLayout ?? settings.completion.fimLayout,
    repoName: options.repoName,
  });
}
