import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const SHARED_MODELS = resolve(REPO_ROOT, "../shared/models");
export const FIM_MODEL = resolve(SHARED_MODELS, "dhi-fim-4m.gguf");
export const DRAFT_MODEL = resolve(SHARED_MODELS, "dhi-fim-draft-1m.gguf");
export const NO_FIM_MODEL = resolve(SHARED_MODELS, "other/stories260K.gguf");
export const EMBED_MODEL = resolve(SHARED_MODELS, "dhi-embed-tiny");
/** The built CLI; `npm test` builds before running vitest. */
export const CLI = resolve(REPO_ROOT, "dist/cli.js");
