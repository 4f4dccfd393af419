import { fileURLToPath } from "node:url";
import { defaultSettings, type Settings } from "../../server/config/schema.js";
import { Logger } from "../../server/util/logger.js";

// The shared tiny real models (never mocked): ../shared/models relative to the repo root.
export const MODELS_DIR = fileURLToPath(new URL("../../../shared/models/", import.meta.url));
export const FIM_MODEL = `${MODELS_DIR}dhi-fim-4m.gguf`;
export const DRAFT_MODEL = `${MODELS_DIR}dhi-fim-draft-1m.gguf`;
export const STORIES_MODEL = `${MODELS_DIR}other/stories260K.gguf`;
export const VOCAB_DIR = `${MODELS_DIR}vocab/`;
export const BENCH_DATA = fileURLToPath(new URL("../../../shared/bench-data/", import.meta.url));

export function testSettings(model: Partial<Settings["model"]> = {}): Settings {
  const s = defaultSettings();
  s.model = { ...s.model, path: FIM_MODEL, threads: 1, contextSize: 2048, ...model };
  return s;
}

export const quietLogger = new Logger("error");
