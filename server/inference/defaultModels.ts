import { existsSync } from "node:fs";
import { join } from "node:path";
import { modelCacheDir } from "../util/paths.js";

// The models `dhi models pull` downloads by default (the pair llama.vim recommends for FIM on
// llama-server): Qwen2.5-Coder base models, which have FIM and repo-level tokens.

export const DEFAULT_MODEL_URI = "hf:ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF/qwen2.5-coder-1.5b-q8_0.gguf";
export const DEFAULT_DRAFT_MODEL_URI = "hf:ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF/qwen2.5-coder-0.5b-q8_0.gguf";

/** The file name a model URI is saved under in the model cache. */
export function cacheFileName(uri: string): string {
  const path = uri.replace(/#.*$/, "").split("?")[0] ?? uri;
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The pulled default model, when `model.path` is not set and `dhi models pull` was run. */
export function pulledDefaultModel(env: NodeJS.ProcessEnv = process.env): string | null {
  return pulledFile(DEFAULT_MODEL_URI, env);
}

/** The pulled default draft model; whether it is used is decided by modelResolver.chooseDraft. */
export function pulledDefaultDraft(env: NodeJS.ProcessEnv = process.env): string | null {
  return pulledFile(DEFAULT_DRAFT_MODEL_URI, env);
}

function pulledFile(uri: string, env: NodeJS.ProcessEnv): string | null {
  const path = join(modelCacheDir(env), cacheFileName(uri));
  return existsSync(path) ? path : null;
}
