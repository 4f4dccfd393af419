import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { errorMessage, type Logger } from "../util/logger.js";
import { workspaceCacheDir } from "../util/paths.js";
import { EMBEDDING_RUNTIME_MISSING, resolveEmbeddingRuntime } from "./embeddingRuntime.js";
import { Embedder } from "./Embedder.js";
import { embeddingReadiness } from "./embeddingReadiness.js";
import { IndexStore } from "./IndexStore.js";
import { BUSY_TIMEOUT_MS } from "./IndexWriter.js";
import { VectorIndex } from "./VectorIndex.js";
import { WorkspaceIndex, type OpenedParts, type WorkspaceIndexOptions } from "./WorkspaceIndex.js";

export type OpenIndexOptions = WorkspaceIndexOptions;

/** Meta key: which model (folder and dimensions) the stored vectors came from. */
const EMBED_MODEL_KEY = "embed_model";

/**
 * Opens (creating if needed) the index of a workspace in its cache folder (DHI_CACHE_DIR). It does not scan the
 * disk: call `update()` for that. Without an embedding model it still works (lexical + symbol graph search);
 * `hasEmbeddings` and `embeddingProblem` say so.
 */
export async function openIndex(options: OpenIndexOptions): Promise<WorkspaceIndex> {
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? workspaceCacheDir(options.root, env);
  mkdirSync(cacheDir, { recursive: true });
  const store = openStore(join(cacheDir, "index.db"), options.logger);
  const { embedder, problem } = await startEmbedder(options, env);
  let vectors: VectorIndex | null = null;
  let embeddingModelKey = "none";
  if (embedder) {
    const readiness = embeddingReadiness(options.settings, env);
    embeddingModelKey = `${readiness.ready ? readiness.model.dir : "?"}|${embedder.dims}`;
    vectors = reconcileVectors(store, embedder.dims, join(cacheDir, "vectors.hnsw"), embeddingModelKey);
    if (vectors.loadedFrom !== "file") options.logger.info(`dhi index: vectors ${vectors.loadedFrom} from SQLite (${vectors.size})`);
  }
  if (problem) options.logger.info(`dhi index: search runs without vectors: ${problem}`);
  // From here on this thread never waits long on another writer's lock: IndexWriter.exclusive() retries instead.
  store.setBusyTimeout(BUSY_TIMEOUT_MS);
  const parts: OpenedParts = { store, embedder, vectors, embeddingProblem: problem, embeddingModelKey };
  return new WorkspaceIndex(options, parts);
}

/** The embedding model, or why there is none (disabled, not installed, failed to load). */
async function startEmbedder(options: OpenIndexOptions, env: NodeJS.ProcessEnv): Promise<{ embedder: Embedder | null; problem: string | null }> {
  if (options.embeddings === false) return { embedder: null, problem: "embeddings disabled" };
  const readiness = embeddingReadiness(options.settings, env);
  if (!readiness.ready) return { embedder: null, problem: readiness.reason };
  const runtimePath = resolveEmbeddingRuntime(env);
  if (!runtimePath) return { embedder: null, problem: EMBEDDING_RUNTIME_MISSING };
  try {
    return { embedder: await Embedder.start(readiness.model, { threads: options.embeddingThreads, runtimePath }), problem: null };
  } catch (error) {
    return { embedder: null, problem: `embedding model ${readiness.model.dir} failed to load: ${errorMessage(error)}` };
  }
}

/** Opens the HNSW file, reconciled with SQLite; another model's vectors are meaningless here and all dropped. */
function reconcileVectors(store: IndexStore, dims: number, file: string, modelKey: string): VectorIndex {
  if (store.meta.get(EMBED_MODEL_KEY) !== modelKey) {
    store.transaction(() => {
      store.vectors.clear();
      store.vectors.bumpVersion();
      store.meta.set(EMBED_MODEL_KEY, modelKey);
    });
    VectorIndex.deleteFile(file);
  }
  return VectorIndex.open(store, dims, file);
}

/** Opens the database; one that is corrupt (e.g. a torn copy) is deleted and rebuilt rather than failing forever. */
function openStore(file: string, logger: Logger): IndexStore {
  try {
    return new IndexStore(file);
  } catch (error) {
    const message = errorMessage(error);
    if (!/not a database|malformed|corrupt/i.test(message)) throw error;
    logger.warn(`dhi index: ${file} is unreadable (${message}); rebuilding it`);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
    return new IndexStore(file);
  }
}
