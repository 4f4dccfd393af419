import type { Settings } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import type { CodeIndex } from "./types.js";

export interface OpenIndexOptions {
  /** Absolute workspace root. */
  root: string;
  settings: Settings;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Opens (creating if needed) the index of a workspace in its cache folder. Placeholder until the index lands. */
export async function openIndex(_options: OpenIndexOptions): Promise<CodeIndex> {
  throw new Error("dhi: the index is not available in this build yet");
}
