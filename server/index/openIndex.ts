import type { Settings } from "../config/schema.js";
import type { Foreground } from "../util/foreground.js";
import type { Logger } from "../util/logger.js";
import { WorkspaceIndex } from "./WorkspaceIndex.js";

export interface OpenIndexOptions {
  /** Absolute workspace root. */
  root: string;
  settings: Settings;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Set false to skip loading the embedding model. Defaults to true. */
  embeddings?: boolean;
  /** How long the vector file's save waits after a small change (tests shorten it). */
  vectorSaveDelayMs?: number;
  /** The editor's requests in flight: background indexing steps aside while they run. */
  foreground?: Foreground;
}

/**
 * Opens (creating if needed) the index of a workspace in its cache folder (DHI_CACHE_DIR). It does not scan the
 * disk: call `update()` for that. Without an embedding model it still works (lexical + symbol graph search);
 * `hasEmbeddings` and `embeddingProblem` say so.
 */
export async function openIndex(options: OpenIndexOptions): Promise<WorkspaceIndex> {
  return WorkspaceIndex.open(options);
}
