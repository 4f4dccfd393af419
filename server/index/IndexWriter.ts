import { Mutex } from "../util/Mutex.js";
import { BUSY_MESSAGE } from "./bulkUpdate.js";
import { isBusyError, type IndexStore } from "./IndexStore.js";

/** How exclusive() waits out another process's hold on the database's write lock. */
export interface BusyRetry {
  /** The first wait after a busy error; each next wait doubles... */
  firstWaitMs: number;
  /** ...up to this. */
  maxWaitMs: number;
  /** Busy for longer than this since the first try: the write fails with BUSY_MESSAGE. */
  giveUpMs: number;
}

/**
 * The server's connection waits at most BUSY_TIMEOUT_MS (blocking) for another process's write lock, then
 * exclusive() retries on BUSY_RETRY's schedule without blocking the thread.
 */
export const BUSY_TIMEOUT_MS = 100;
export const BUSY_RETRY: BusyRetry = { firstWaitMs: 100, maxWaitMs: 1000, giveUpMs: 120_000 };

/**
 * The index's one writer. A bulk update (perhaps in the update process, on its own connection) holds the write
 * lock for its whole run; single-file writes, embedding batches and vector saves wait for it and land in the order
 * they were asked for.
 */
export class IndexWriter {
  private readonly lock = new Mutex();

  /**
   * @param written hears the HNSW labels each write() removed, after its transaction committed (the HNSW and the
   * lexical caches follow the database).
   */
  constructor(
    private readonly store: IndexStore,
    private readonly written: (removedLabels: number[]) => void,
    private readonly retry: BusyRetry = BUSY_RETRY,
  ) {}

  /** Runs `work` holding the write lock throughout (a bulk update, a rebuild, closing the database). */
  hold<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run(undefined, work);
  }

  /**
   * Runs `work` (which writes the database) under the write lock. When another process holds the database's own
   * lock (another dhi indexing this workspace, say `dhi index` beside the editor), it waits and tries again
   * without blocking this thread, until the retry gives up. It keeps the write lock meanwhile, so writes still
   * land in the order they were asked for.
   */
  exclusive<T>(work: () => T): Promise<T> {
    return this.lock.run(undefined, async () => {
      const started = performance.now();
      for (let wait = this.retry.firstWaitMs; ; wait = Math.min(wait * 2, this.retry.maxWaitMs)) {
        try {
          return work();
        } catch (error) {
          if (!isBusyError(error)) throw error;
          if (performance.now() - started > this.retry.giveUpMs) throw new Error(BUSY_MESSAGE);
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    });
  }

  /** Runs `work` (one file's write, returning the HNSW labels it removed) in one transaction, under the write lock. */
  async write(work: () => number[]): Promise<void> {
    await this.exclusive(() => {
      const removed = this.store.transaction(() => {
        const labels = work();
        if (labels.length > 0) this.store.vectors.bumpVersion();
        return labels;
      });
      this.written(removed);
    });
  }

  /** Empties the index (a rebuild); call inside hold(). Returns the HNSW labels that went away. */
  clear(): number[] {
    try {
      return this.store.transaction(() => this.store.removeAll());
    } catch (error) {
      throw isBusyError(error) ? new Error(BUSY_MESSAGE) : error;
    }
  }
}
