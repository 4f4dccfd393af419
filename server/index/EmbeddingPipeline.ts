import { stepAside, type Foreground } from "../util/foreground.js";
import { errorMessage, type Logger } from "../util/logger.js";
import type { Embedder } from "./Embedder.js";
import type { IndexStore } from "./IndexStore.js";
import type { IndexWriter } from "./IndexWriter.js";
import type { VectorIndex } from "./VectorIndex.js";

/** Chunks embedded per model call. */
const EMBED_BATCH = 32;
/** A chunk's (or query's) leading characters that are embedded; the tiny models see no further anyway. */
export const EMBED_TEXT_CHARS = 1200;
/** Embedding progress is reported at most this often. */
const PROGRESS_MS = 1000;
/** Within a long pass the HNSW file is saved every this many vectors: bounds the reconciliation after a crash. */
const VECTOR_SAVE_EVERY = 20_000;
/** An embedding pass that stored at least this many vectors saves the HNSW file at once. */
const VECTOR_SAVE_NOW = 1000;
/**
 * After smaller passes (a keystroke's re-index) the save waits this long and then covers every change since: the
 * file is rewritten whole, tens of MB on a large workspace, on this thread. A crash before it costs only a cheap
 * reconciliation with SQLite at the next open (see VectorIndex).
 */
export const VECTOR_SAVE_DELAY_MS = 30_000;

export interface EmbeddingPipelineOptions {
  store: IndexStore;
  embedder: Embedder;
  vectors: VectorIndex;
  writer: IndexWriter;
  logger: Logger;
  /** The editor's requests in flight: embedding steps aside while they run. */
  foreground?: Foreground;
  /** How long the HNSW file's save waits after a small pass; defaults to VECTOR_SAVE_DELAY_MS. */
  vectorSaveDelayMs?: number;
}

/** Gives every new or changed chunk a vector, one pass at a time in the background, and saves the HNSW file. */
export class EmbeddingPipeline {
  private run: Promise<void> | null = null;
  private requested = false;
  /** Who hears progress (an update() waiting for the run); null for background passes. */
  private listener: ((embedded: number, pending: number) => void) | null = null;
  private saveTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Chunks embedded since the index was opened (only new or changed chunks are). */
  embeddedSinceOpen = 0;
  /**
   * Every chunk up to this id has been given a vector (or is gone): chunk ids only grow, so a pass starts after it
   * instead of scanning the whole table for the few new chunks of an edit.
   */
  private embeddedThrough = 0;

  constructor(private readonly options: EmbeddingPipelineOptions) {}

  /** Starts (or extends) a background run; a failure is logged, never thrown. */
  schedule(): void {
    this.request().catch((error: unknown) => this.options.logger.warn(`dhi index: embedding failed: ${errorMessage(error)}`));
  }

  /** `onEmbedded` hears the progress of the passes until the run ends (it joins a run already going). */
  request(signal?: AbortSignal, onEmbedded?: (embedded: number, pending: number) => void): Promise<void> {
    this.requested = true;
    if (onEmbedded) this.listener = onEmbedded;
    if (!this.run) {
      const run = (async () => {
        while (this.requested && !this.stopped) {
          this.requested = false;
          await this.pass(signal);
        }
      })();
      this.run = run;
      void run.finally(() => {
        if (this.run === run) {
          this.run = null;
          this.listener = null;
        }
      }).catch(() => undefined);
    }
    return this.run;
  }

  /** Resolves once embedding has caught up with every stored chunk. */
  async idle(): Promise<void> {
    while (this.run) await this.run.catch(() => undefined);
  }

  /** Ends the runs (after the batch in hand) and saves the HNSW file. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.run?.catch(() => undefined);
    await this.saveVectors();
  }

  /** Embeds every chunk that has no vector yet, in batches; only new or changed chunks lack one. */
  private async pass(signal?: AbortSignal): Promise<void> {
    const { store, embedder, vectors, writer } = this.options;
    let sinceSave = 0;
    let stored = 0;
    let done = 0;
    const pending = this.listener ? store.vectors.pendingCount(this.embeddedThrough) : 0;
    let reportedAt = 0;
    for (;;) {
      await stepAside(this.options.foreground);
      if (this.stopped || signal?.aborted) break;
      const batch = store.vectors.pendingChunks(this.embeddedThrough, EMBED_BATCH);
      if (batch.length === 0) break;
      const embedded = await embedder.embed(batch.map((c) => c.text.slice(0, EMBED_TEXT_CHARS)));
      if (this.stopped) break;
      const added = await writer.exclusive(() => store.transaction(() => {
        const rows = store.vectors.add(batch.map((c, i) => ({ chunkId: c.id, vector: embedded[i] })));
        if (rows.length > 0) store.vectors.bumpVersion();
        return rows;
      }));
      for (const { label, vector } of added) vectors.add(label, vector);
      this.embeddedThrough = batch[batch.length - 1].id;
      this.embeddedSinceOpen += batch.length;
      done += batch.length;
      if (this.listener && performance.now() - reportedAt > PROGRESS_MS) {
        reportedAt = performance.now();
        this.listener(done, Math.max(pending, done));
      }
      sinceSave += added.length;
      stored += added.length;
      if (sinceSave >= VECTOR_SAVE_EVERY) {
        await this.saveVectors();
        sinceSave = 0;
      }
    }
    if (done > 0) this.listener?.(done, Math.max(pending, done));
    if (stored >= VECTOR_SAVE_NOW) await this.saveVectors();
    else this.saveVectorsLater();
  }

  /** Writes the HNSW file (it records the vector version in the database: a write, so under the lock). */
  private async saveVectors(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    const { store, vectors, writer } = this.options;
    if (store.isClosed) return;
    await writer.exclusive(() => vectors.save(store)).catch((error: unknown) => {
      this.options.logger.warn(`dhi index: could not save vectors: ${errorMessage(error)}`);
    });
  }

  /** Saves the HNSW file vectorSaveDelayMs from now, covering every change until then. */
  private saveVectorsLater(): void {
    if (this.saveTimer || this.stopped) return;
    this.saveTimer = setTimeout(() => void this.saveVectors(), this.options.vectorSaveDelayMs ?? VECTOR_SAVE_DELAY_MS);
    this.saveTimer.unref();
  }
}
