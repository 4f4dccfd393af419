import { mkdirSync, rmSync } from "node:fs";
import { stat } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import type { Settings } from "../config/schema.js";
import { languageOf } from "../syntax/index.js";
import { throwIfAborted } from "../util/abort.js";
import { FOREGROUND_MAX_WAIT_MS, type Foreground } from "../util/foreground.js";
import { errorMessage, type Logger } from "../util/logger.js";
import { releaseMemory } from "../util/releaseMemory.js";
import { workspaceCacheDir } from "../util/paths.js";
import { proximity } from "./definitionProximity.js";
import { Embedder } from "./Embedder.js";
import { embeddingReadiness } from "./embeddingReadiness.js";
import { contentHash, examineFile, type FileJob, type FileStat } from "./examineFile.js";
import { ExtractionPool } from "./ExtractionPool.js";
import { queryIdentifiers } from "./identifiers.js";
import { IndexStore, type FileRecord } from "./IndexStore.js";
import { LexicalSearch } from "./LexicalSearch.js";
import { prepareFile, type PreparedFile } from "./prepareFile.js";
import { resolveImport } from "./resolveImport.js";
import { retrieveContext } from "./retrieveContext.js";
import { fuseRankings } from "./rrf.js";
import type {
  Chunk, CodeIndex, IndexStats, ReferenceLocation, RetrievalRequest, RetrievedChunk, SearchHit, SymbolLocation, UpdateOptions,
} from "./types.js";
import { VectorIndex } from "./VectorIndex.js";
import { exclusionMatcher, walkWorkspace } from "./walkWorkspace.js";

export interface WorkspaceIndexOptions {
  root: string;
  settings: Settings;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Cache folder override; defaults to workspaceCacheDir(root, env). */
  cacheDir?: string;
  /** Set false to skip loading the embedding model (lexical + graph search only). Defaults to true. */
  embeddings?: boolean;
  /** ONNX Runtime threads for the embedding worker. */
  embeddingThreads?: number;
  /** Parser worker threads (0: parse on the main thread). Defaults to one per core. */
  extractionWorkers?: number;
  /** How long the HNSW file's save waits after a small embedding pass; defaults to VECTOR_SAVE_DELAY_MS. */
  vectorSaveDelayMs?: number;
  /** The editor's requests in flight: bulk indexing and embedding step aside while they run. */
  foreground?: Foreground;
}

/** Each write transaction covers at most this much work before the event loop gets a turn. */
const SLICE_MS = 25;
const READ_BATCH = 32;
/** Batches read and handed to the extraction processes ahead of the one being written (measured: 4 left them idle). */
const PREFETCH_BATCHES = 16;
/**
 * Bulk indexing commits about this often. Each commit makes FTS5 flush its pending terms into a new segment (and
 * merge segments), so committing every batch cost the main thread several seconds on a 10k-file workspace.
 */
const BULK_COMMIT_MS = 1000;
/** Updates that wrote at least this many files end with a full GC (see releaseMemory). */
const RELEASE_MEMORY_AFTER_FILES = 1000;
const EMBED_BATCH = 32;
/** Embedding progress is reported at most this often. */
const PROGRESS_MS = 1000;
/** An embedding pass that stored at least this many vectors saves the HNSW file at once. */
const VECTOR_SAVE_NOW = 1000;
/**
 * After smaller passes (a keystroke's re-index) the save waits this long and then covers every change since: the
 * file is rewritten whole, tens of MB on a large workspace, on this thread. A crash before it costs only a cheap
 * reconciliation with SQLite at the next open (see VectorIndex).
 */
const VECTOR_SAVE_DELAY_MS = 30_000;
const EMBED_TEXT_CHARS = 1200;
/** Candidates each ranked list contributes to fusion. */
const FUSION_DEPTH = 50;
/**
 * RRF weights of the [FTS5, vectors, symbol graph] lists: plain RRF. bench/retrieval.mjs shows that with the
 * tiny test embedder a vector weight of 0.2 ranks better (its vectors alone reach recall@5 ≈ 0.15); a stronger
 * embedding model should earn its full weight.
 */
const FUSION_WEIGHTS = [1, 1, 1];
/** Definitions of one name ranked by proximity for retrieval (a name defined in more files: arbitrary ones beyond). */
const DEFINITION_CANDIDATES = 64;
/** Files a first index's walk must find before the extraction processes are started (during the walk). */
const EAGER_POOL_FILES = 256;

interface Prepared {
  job: FileJob;
  /** The worker's extraction, or null to extract inline when writing. */
  file: PreparedFile | null;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The workspace's code index: SQLite (chunks, symbols, refs, FTS5) plus an HNSW of chunk vectors. */
export class WorkspaceIndex implements CodeIndex, AsyncDisposable {
  readonly root: string;
  /** Why there are no vectors (model missing or failed to load); null when embeddings work. */
  readonly embeddingProblem: string | null;
  private readonly overlays = new Map<string, string>();
  private updating: Promise<IndexStats> | null = null;
  /** Whether the run in `updating` has begun (its walk may have missed later changes). */
  private latestRunScanning = false;
  private embedRun: Promise<void> | null = null;
  private embedRequested = false;
  /** Who hears embedding progress (an update() waiting for the run); null for background passes. */
  private embedListener: ((embedded: number, pending: number) => void) | null = null;
  private lastSeconds = 0;
  /** bm25 within bounded work; caches word frequencies, so it hears of every write. */
  private readonly lexical: LexicalSearch;
  /** Exclusion rules for single files; rebuilt by update() so .gitignore edits take effect. */
  private excluded: (path: string) => Promise<boolean>;
  /** Parser workers, alive only during update(): idle workers would hold tens of MB each. */
  private pool: ExtractionPool | null = null;
  /** True while update() walks the files: only then may a pool be started. */
  private bulk = false;
  /** HNSW labels deleted inside the open bulk transaction; applied when it commits. */
  private pendingRemovals: number[] = [];
  /** Chunks embedded since the index was opened (only new or changed chunks are). */
  embeddedSinceOpen = 0;
  /**
   * Every chunk up to this id has been given a vector (or is gone): chunk ids only grow, so an embedding pass
   * starts after it instead of scanning the whole table for the few new chunks of an edit.
   */
  private embeddedThrough = 0;
  private disposed = false;

  private constructor(
    private readonly options: WorkspaceIndexOptions,
    private readonly store: IndexStore,
    private readonly embedder: Embedder | null,
    private readonly vectors: VectorIndex | null,
    embeddingProblem: string | null,
  ) {
    this.root = options.root;
    this.embeddingProblem = embeddingProblem;
    this.lexical = new LexicalSearch(store);
    this.excluded = exclusionMatcher(this.root, options.settings.index.exclude);
  }

  static async open(options: WorkspaceIndexOptions): Promise<WorkspaceIndex> {
    const env = options.env ?? process.env;
    const cacheDir = options.cacheDir ?? workspaceCacheDir(options.root, env);
    mkdirSync(cacheDir, { recursive: true });
    const store = openStore(join(cacheDir, "index.db"), options.logger);
    let embedder: Embedder | null = null;
    let problem: string | null = null;
    if (options.embeddings === false) problem = "embeddings disabled";
    else {
      const readiness = embeddingReadiness(options.settings, env);
      if (!readiness.ready) problem = readiness.reason;
      else {
        try {
          embedder = await Embedder.start(readiness.model, { threads: options.embeddingThreads });
        } catch (error) {
          problem = `embedding model ${readiness.model.dir} failed to load: ${errorMessage(error)}`;
        }
      }
    }
    let vectors: VectorIndex | null = null;
    if (embedder) {
      const file = join(cacheDir, "vectors.hnsw");
      const readiness = embeddingReadiness(options.settings, env);
      const modelKey = `${readiness.ready ? readiness.model.dir : "?"}|${embedder.dims}`;
      if (store.getMeta("embed_model") !== modelKey) {
        // Another model's vectors are meaningless here: drop them all.
        store.transaction(() => {
          store.clearVectors();
          VectorIndex.bumpVersion(store);
          store.setMeta("embed_model", modelKey);
        });
        VectorIndex.deleteFile(file);
      }
      vectors = VectorIndex.open(store, embedder.dims, file);
      if (vectors.loadedFrom !== "file") options.logger.info(`dhi index: vectors ${vectors.loadedFrom} from SQLite (${vectors.size})`);
    }
    if (problem) options.logger.info(`dhi index: search runs without vectors: ${problem}`);
    return new WorkspaceIndex(options, store, embedder, vectors, problem);
  }

  get hasEmbeddings(): boolean {
    return this.embedder !== null;
  }

  /** Workspace-relative "/" path for an absolute or relative path. */
  private rel(path: string): string {
    const r = isAbsolute(path) ? relative(this.root, path) : path;
    return r.split(sep).join("/").replace(/^\.\//, "");
  }

  update(options: UpdateOptions = {}): Promise<IndexStats> {
    this.ensureOpen();
    // Joining the latest run is right until it begins scanning; after that a rebuild, or a rescan (files changed
    // since its walk), chains a new run.
    if (this.updating && !options.rebuild && !(options.rescan && this.latestRunScanning)) return this.updating;
    const previous = this.updating ?? Promise.resolve();
    this.latestRunScanning = false;
    const run = previous.catch(() => undefined).then(() => {
      this.latestRunScanning = true;
      return this.runUpdate(options);
    });
    this.updating = run;
    void run.finally(() => {
      if (this.updating === run) this.updating = null;
    }).catch(() => undefined);
    return run;
  }

  private async runUpdate(options: UpdateOptions): Promise<IndexStats> {
    const started = performance.now();
    const { signal, onProgress } = options;
    const { exclude, maxFileBytes } = this.options.settings.index;
    if (options.rebuild) this.clear();
    this.excluded = exclusionMatcher(this.root, exclude);
    onProgress?.({ done: 0, total: 0, message: "Scanning workspace" });
    const known = this.store.allFiles();
    // A first index that finds this many files will need the extraction processes: boot them during the walk.
    const onFound = known.size === 0 ? (found: number) => {
      if (found >= EAGER_POOL_FILES) this.startPool();
    } : undefined;
    let paths: string[];
    try {
      paths = await walkWorkspace(this.root, { exclude, signal, onFound });
      throwIfAborted(signal);
      const wanted = new Set(paths);
      const gone = [...known.keys()].filter((p) => !wanted.has(p) && !this.overlays.has(p));
      if (gone.length > 0) this.write(() => gone.flatMap((p) => this.store.removeFile(p)), false, gone.length);
    } catch (error) {
      await this.stopPool();
      throw error;
    }

    // Pipeline: while one batch is written on this thread, the next ones are read and parsed by the workers.
    const batches: string[][] = [];
    for (let i = 0; i < paths.length; i += READ_BATCH) batches.push(paths.slice(i, i + READ_BATCH));
    // Several batches in flight keep every extraction process busy while one batch is being written.
    const inFlight: Array<Promise<Prepared[]>> = [];
    let queued = 0;
    const refill = (): void => {
      while (queued < batches.length && inFlight.length < PREFETCH_BATCHES) {
        const batch = this.prepareBatch(batches[queued++], known, maxFileBytes);
        batch.catch(() => undefined);
        inFlight.push(batch);
      }
    };
    let done = 0;
    let written = 0;
    // Progress counts committed files only: what it reports survives a crash.
    const commit = (): void => {
      this.commitBulk();
      if (written === done) return;
      done = written;
      onProgress?.({ done, total: paths.length, message: "Indexing files" });
    };
    this.bulk = true;
    this.store.beginBulk();
    let committedAt = performance.now();
    try {
      for (let b = 0; b < batches.length; b++) {
        await this.stepAside();
        if (performance.now() - committedAt > BULK_COMMIT_MS) {
          commit();
          this.store.beginBulk();
          committedAt = performance.now();
        }
        refill();
        const ready: Prepared[] = await (inFlight.shift() as Promise<Prepared[]>);
        refill();
        throwIfAborted(signal);
        // One transaction per time slice: each commits whole files, and the event loop gets a turn in between.
        let i = 0;
        while (i < ready.length) {
          const sliceStart = performance.now();
          this.write(() => {
            const labels: number[] = [];
            while (i < ready.length) {
              labels.push(...this.apply(ready[i++]));
              if (performance.now() - sliceStart > SLICE_MS) break;
            }
            return labels;
          }, true);
          if (i < ready.length) {
            await yieldToEventLoop();
            await this.stepAside();
          }
        }
        written += batches[b].length;
        await yieldToEventLoop();
      }
      commit();
    } finally {
      this.commitBulk();
      this.bulk = false;
      await this.stopPool();
    }
    // A large update leaves V8's heap grown by the extraction results: hand that memory back now.
    if (written >= RELEASE_MEMORY_AFTER_FILES) releaseMemory();
    if (this.embedder) {
      onProgress?.({ done: 0, total: 0, message: "Embedding chunks" });
      const onEmbedded = onProgress && ((embedded: number, pending: number) => onProgress({ done: embedded, total: pending, message: "Embedding chunks" }));
      // A failing model must not fail indexing: the chunks stay searchable without vectors.
      await this.requestEmbedding(signal, onEmbedded).catch((error: unknown) => {
        this.options.logger.warn(`dhi index: embedding failed: ${errorMessage(error)}`);
      });
    }
    this.lastSeconds = (performance.now() - started) / 1000;
    return this.stats();
  }

  /**
   * Stats a batch of files and examines the changed ones: in the extraction processes during bulk work (they read,
   * hash and parse), else inline (parsed later, when written).
   */
  private async prepareBatch(paths: string[], known: Map<string, FileRecord>, maxFileBytes: number): Promise<Prepared[]> {
    const stats = await Promise.all(paths.map((path) => this.changedStat(path, known.get(path))));
    const changed = paths.filter((_, i) => stats[i] !== null);
    // Extraction processes pay off for bulk work only; a few changed files are handled inline.
    if (this.bulk && changed.length >= 8) this.startPool();
    const out: Prepared[] = [];
    await Promise.all(paths.map(async (path, i) => {
      const info = stats[i];
      if (info === null) return;
      const remote = this.pool && info !== "gone"
        ? await this.pool.examine({ abs: join(this.root, path), path, known: known.get(path), info, maxFileBytes, language: languageOf(path) })
          .catch(() => null)
        : null;
      if (remote?.problem) this.skipped(path, remote.problem);
      const job = remote ? remote.job : this.examine(path, known.get(path), info, maxFileBytes);
      if (job) out.push({ job, file: remote?.file ?? null });
    }));
    return out;
  }

  /** Waits while the editor's requests run (bounded): their latency matters more than the index's. */
  private stepAside(): Promise<void> {
    return this.options.foreground?.whenIdle(FOREGROUND_MAX_WAIT_MS) ?? Promise.resolve();
  }

  private startPool(): void {
    if (!this.pool && this.options.extractionWorkers !== 0) this.pool = ExtractionPool.create(this.options.extractionWorkers, this.options.foreground);
  }

  private async stopPool(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.dispose();
  }

  /** The file's stat when it changed since it was indexed; null when unchanged (or an open document); "gone" when unreadable. */
  private async changedStat(path: string, known: FileRecord | undefined): Promise<FileStat | "gone" | null> {
    if (this.overlays.has(path)) return null; // open documents are indexed from the editor's text
    try {
      const info = await stat(join(this.root, path));
      const mtime = Math.floor(info.mtimeMs);
      if (known && known.mtime === mtime && known.size === info.size) return null;
      return { mtime, size: info.size };
    } catch (error) {
      this.skipped(path, errorMessage(error));
      return "gone";
    }
  }

  /**
   * Decides what one file needs: nothing (unchanged), a touch (same content, new mtime), a removal, or indexing.
   * Unreadable, binary, huge or minified files are dropped from the index, never thrown.
   */
  private async readJob(path: string, known: FileRecord | undefined, maxFileBytes: number): Promise<FileJob | null> {
    const info = await this.changedStat(path, known);
    return info === null ? null : this.examine(path, known, info, maxFileBytes);
  }

  /** examineFile() on this thread; a file that could not be stat'ed is removed from the index. */
  private examine(path: string, known: FileRecord | undefined, info: FileStat | "gone", maxFileBytes: number): FileJob | null {
    if (info === "gone") return known ? { kind: "remove", path } : null;
    const { job, problem } = examineFile(join(this.root, path), path, known, info, maxFileBytes);
    if (problem) this.skipped(path, problem);
    return job;
  }

  private skipped(path: string, why: string): void {
    this.options.logger.debug(`dhi index: skipping ${path}: ${why}`);
  }

  /**
   * Applies one job inside the caller's transaction; returns HNSW labels that went away. A disk job for a file
   * that became an open document meanwhile is dropped: the editor's text wins.
   */
  private apply({ job, file }: Prepared, fromDisk = true): number[] {
    if (fromDisk && job.kind !== "touch" && this.overlays.has(job.path)) return [];
    switch (job.kind) {
      case "remove":
        return this.store.removeFile(job.path);
      case "touch":
        this.store.touchFile(job.id, job.mtime, job.size);
        return [];
      case "index":
        return this.store.writeFile(job.path, job.hash, job.mtime, job.size, file ?? prepareFile(job.text, languageOf(job.path)));
    }
  }

  /**
   * Runs `work` (which writes `files` files) in one transaction; the HNSW labels it returns are deleted once the
   * transaction commits. `inBulk` runs it directly inside the open bulk transaction: a savepoint there would copy
   * every page it touches into a sub-journal (seconds over a large workspace), so a failure must roll back the
   * whole bulk transaction instead.
   */
  private write(work: () => number[], inBulk = false, files = 1): void {
    this.lexical.written(inBulk || files > 1);
    const body = (): number[] => {
      const labels = work();
      if (labels.length > 0) VectorIndex.bumpVersion(this.store);
      return labels;
    };
    let removed: number[];
    if (inBulk && this.store.db.inTransaction) {
      try {
        removed = body();
      } catch (error) {
        // A half-written file must never be committed: drop everything since the last bulk commit.
        this.store.rollbackBulk();
        this.pendingRemovals = [];
        throw error;
      }
    } else {
      removed = this.store.transaction(body);
    }
    // Inside the bulk transaction the deletion is not durable yet: the HNSW follows at its commit.
    if (this.store.db.inTransaction) this.pendingRemovals.push(...removed);
    else this.vectors?.remove(removed);
  }

  private commitBulk(): void {
    this.store.commitBulk();
    const labels = this.pendingRemovals;
    this.pendingRemovals = [];
    this.vectors?.remove(labels);
  }

  private clear(): void {
    this.lexical.written(true);
    this.store.transaction(() => {
      this.store.db.exec(`DELETE FROM files; DELETE FROM chunks; DELETE FROM symbols; DELETE FROM refs; DELETE FROM imports;
        INSERT INTO chunks_fts(chunks_fts) VALUES('delete-all');`);
      const labels: number[] = [];
      for (const { label } of this.store.allVectors()) labels.push(label);
      this.store.clearVectors();
      VectorIndex.bumpVersion(this.store);
      this.vectors?.remove(labels);
    });
  }

  async updateFile(path: string, text: string | null): Promise<void> {
    this.ensureOpen();
    const rel = this.rel(path);
    if (text === null) {
      this.overlays.delete(rel);
      this.write(() => this.store.removeFile(rel));
      return;
    }
    if (await this.excluded(rel)) return; // e.g. a file opened from node_modules
    this.overlays.set(rel, text);
    const hash = contentHash(text);
    if (this.store.getFile(rel)?.hash === hash) return;
    const job: FileJob = { kind: "index", path: rel, text, hash, mtime: Date.now(), size: Buffer.byteLength(text) };
    this.write(() => this.apply({ job, file: null }, false));
    this.scheduleEmbedding();
  }

  /**
   * Re-reads the given files from disk (workspace/didChangeWatchedFiles): changed ones are re-indexed, deleted,
   * ignored or unreadable ones removed. Open documents keep their in-memory text. Far cheaper than update().
   */
  async refreshFromDisk(paths: string[]): Promise<void> {
    this.ensureOpen();
    const { maxFileBytes } = this.options.settings.index;
    const excluded = this.excluded;
    for (const path of paths) {
      const rel = this.rel(path);
      if (rel.startsWith("../") || this.overlays.has(rel)) continue;
      const known = this.store.getFile(rel);
      if (await excluded(rel)) {
        if (known) this.write(() => this.store.removeFile(rel));
        continue;
      }
      const job = await this.readJob(rel, known, maxFileBytes);
      const exists = await stat(join(this.root, rel)).then((i) => i.isFile(), () => false);
      if (job) this.write(() => this.apply({ job, file: null }));
      else if (!exists && known) this.write(() => this.store.removeFile(rel));
      await yieldToEventLoop();
    }
    this.scheduleEmbedding();
  }

  /** Forgets the editor's text for `path` (document closed) and re-indexes it from disk. */
  async closeFile(path: string): Promise<void> {
    this.ensureOpen();
    const rel = this.rel(path);
    if (!this.overlays.delete(rel)) return;
    const job = await this.readJob(rel, undefined, this.options.settings.index.maxFileBytes);
    if (job) this.write(() => this.apply({ job, file: null }));
    else if (!await stat(join(this.root, rel)).then(() => true, () => false)) this.write(() => this.store.removeFile(rel));
    this.scheduleEmbedding();
  }

  /** Resolves once background embedding has caught up with every stored chunk. */
  async idle(): Promise<void> {
    while (this.embedRun) await this.embedRun.catch(() => undefined);
  }

  private scheduleEmbedding(): void {
    if (!this.embedder) return;
    this.requestEmbedding().catch((error: unknown) => this.options.logger.warn(`dhi index: embedding failed: ${errorMessage(error)}`));
  }

  /** `onEmbedded` hears the progress of the passes until the run ends (it joins a run already going). */
  private requestEmbedding(signal?: AbortSignal, onEmbedded?: (embedded: number, pending: number) => void): Promise<void> {
    this.embedRequested = true;
    if (onEmbedded) this.embedListener = onEmbedded;
    if (!this.embedRun) {
      const run = (async () => {
        while (this.embedRequested && !this.disposed) {
          this.embedRequested = false;
          await this.embedPass(signal);
        }
      })();
      this.embedRun = run;
      void run.finally(() => {
        if (this.embedRun === run) {
          this.embedRun = null;
          this.embedListener = null;
        }
      }).catch(() => undefined);
    }
    return this.embedRun;
  }

  /** Embeds every chunk that has no vector yet, in batches; only new or changed chunks lack one. */
  private async embedPass(signal?: AbortSignal): Promise<void> {
    const embedder = this.embedder;
    const vectors = this.vectors;
    if (!embedder || !vectors) return;
    let sinceSave = 0;
    let stored = 0;
    let done = 0;
    const pending = this.embedListener ? this.store.pendingChunkCount(this.embeddedThrough) : 0;
    let reportedAt = 0;
    for (;;) {
      await this.stepAside();
      if (this.disposed || signal?.aborted) break;
      const batch = this.store.pendingChunks(this.embeddedThrough, EMBED_BATCH);
      if (batch.length === 0) break;
      const embedded = await embedder.embed(batch.map((c) => c.text.slice(0, EMBED_TEXT_CHARS)));
      if (this.disposed) break;
      const added = this.store.transaction(() => {
        const rows = this.store.addVectors(batch.map((c, i) => ({ chunkId: c.id, vector: embedded[i] })));
        if (rows.length > 0) VectorIndex.bumpVersion(this.store);
        return rows;
      });
      for (const { label, vector } of added) vectors.add(label, vector);
      this.embeddedThrough = batch[batch.length - 1].id;
      this.embeddedSinceOpen += batch.length;
      done += batch.length;
      if (this.embedListener && performance.now() - reportedAt > PROGRESS_MS) {
        reportedAt = performance.now();
        this.embedListener(done, Math.max(pending, done));
      }
      sinceSave += added.length;
      stored += added.length;
      // Periodic saves bound the reconciliation work after a crash.
      if (sinceSave >= 20_000) {
        vectors.save(this.store);
        sinceSave = 0;
      }
    }
    if (done > 0) this.embedListener?.(done, Math.max(pending, done));
    if (!this.disposed) {
      vectors.saveSoon(this.store, stored >= VECTOR_SAVE_NOW, this.options.vectorSaveDelayMs ?? VECTOR_SAVE_DELAY_MS, (error) =>
        this.options.logger.warn(`dhi index: could not save vectors: ${errorMessage(error)}`));
    }
  }


  async search(query: string, options: { k?: number; signal?: AbortSignal } = {}): Promise<SearchHit[]> {
    this.ensureOpen();
    const k = options.k ?? 10;
    const rankings = await this.rankings(query, options.signal);
    return this.hits(fuseRankings(rankings, 60, FUSION_WEIGHTS).slice(0, k));
  }

  /** The three ranked lists that hybrid search fuses; exposed for benchmarks (FTS-only, vectors-only). */
  async rankings(query: string, signal?: AbortSignal, depth = FUSION_DEPTH): Promise<number[][]> {
    // The query is embedded in the worker while this thread runs the FTS and graph lookups.
    const semantic = this.vectorRanking(query, depth);
    semantic.catch(() => undefined);
    const lexical = this.lexicalRanking(query, depth);
    const graph = this.graphRanking(query, depth);
    throwIfAborted(signal);
    const vectors = await semantic;
    throwIfAborted(signal);
    return [lexical, vectors, graph];
  }

  /** bm25 over the query's words, within bounded work (see LexicalSearch). */
  lexicalRanking(query: string, depth = FUSION_DEPTH): number[] {
    return this.lexical.rank(query, depth);
  }

  async vectorRanking(query: string, depth = FUSION_DEPTH): Promise<number[]> {
    if (!this.embedder || !this.vectors || this.vectors.size === 0 || query.trim() === "") return [];
    const [vector] = await this.embedder.embed([query.slice(0, EMBED_TEXT_CHARS)]);
    const ids: number[] = [];
    for (const label of this.vectors.search(vector, depth)) {
      const id = this.store.chunkOfLabel(label);
      if (id !== null) ids.push(id);
    }
    return ids;
  }

  /**
   * Definitions of the query's identifiers, then the definitions that use them most. Only words that name a
   * symbol count, so a plain-English query does not pull in every function with a variable called `settings`.
   */
  graphRanking(query: string, depth = FUSION_DEPTH): number[] {
    const ids: number[] = [];
    const add = (list: number[]): void => {
      for (const id of list) if (!ids.includes(id) && ids.length < depth) ids.push(id);
    };
    const symbols: string[] = [];
    for (const name of queryIdentifiers(query).slice(0, 8)) {
      const defs = this.store.definitionChunks(name, 5);
      if (defs.length > 0) symbols.push(name);
      add(defs);
    }
    for (const name of symbols) add(this.store.callerChunks(name, 5));
    return ids;
  }

  private hits(fused: Array<{ id: number; score: number }>): SearchHit[] {
    const out: SearchHit[] = [];
    for (const { id, score } of fused) {
      const chunk = this.store.chunk(id);
      if (chunk) out.push({ chunk, score });
    }
    return out;
  }

  chunk(id: number): Chunk | null {
    return this.store.chunk(id);
  }

  definitions(name: string): SymbolLocation[] {
    return this.store.definitions(name);
  }

  references(name: string): ReferenceLocation[] {
    return this.store.references(name, (path) => this.importsOf(path));
  }

  callers(name: string): SymbolLocation[] {
    return this.store.callers(name);
  }

  importsOf(path: string): string[] {
    const rel = this.rel(path);
    const language = languageOf(rel);
    const lookup = {
      has: (p: string) => this.store.hasPath(p),
      endingWith: (s: string) => this.store.pathsEndingWith(s),
      inFolder: (f: string) => this.store.pathsInFolder(f),
    };
    const out: string[] = [];
    for (const spec of this.store.importSpecs(rel)) {
      const resolved = resolveImport(rel, spec, language, lookup) ?? spec;
      if (!out.includes(resolved)) out.push(resolved);
    }
    return out;
  }

  chunksOf(path: string): Chunk[] {
    return this.store.chunksOf(this.rel(path));
  }

  retrieve(request: RetrievalRequest): Promise<RetrievedChunk[]> {
    this.ensureOpen();
    return retrieveContext(this, { ...request, path: this.rel(request.path) });
  }

  /**
   * For code in `path`: chunk ids of exact-case definitions of a name, nearest first (see proximity: imported
   * files, then the same folder, tests last). The imports are resolved once, for all the names of one request.
   */
  definitionsNear(path: string): (name: string, limit: number) => number[] {
    const imported = new Set(this.importsOf(path));
    return (name, limit) => {
      const found = this.store.definitionsWithPaths(name, DEFINITION_CANDIDATES)
        .map((d, order) => ({ ...d, order, rank: proximity(path, d.path, imported) }))
        .sort((a, b) => a.rank - b.rank || a.order - b.order);
      const ids: number[] = [];
      for (const d of found) if (!ids.includes(d.chunkId) && ids.length < limit) ids.push(d.chunkId);
      return ids;
    };
  }

  stats(): IndexStats {
    const c = this.store.counts();
    return { files: c.files, chunks: c.chunks, symbols: c.symbols, references: c.refs, embeddings: c.vectors, seconds: this.lastSeconds };
  }

  /** Consistency problems of the database (empty when sound); for tests and `dhi doctor`. */
  consistencyProblems(): string[] {
    return this.store.consistencyProblems();
  }

  /** How the vectors were loaded at open (see VectorIndex.loadedFrom); null without embeddings. */
  get vectorsLoadedFrom(): VectorIndex["loadedFrom"] | null {
    return this.vectors?.loadedFrom ?? null;
  }

  /** Vectors whose HNSW entry is live; equals stats().embeddings when the two stores agree. */
  get vectorCount(): number {
    return this.vectors?.size ?? 0;
  }

  private ensureOpen(): void {
    if (this.disposed) throw new Error("the index is disposed");
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.updating?.catch(() => undefined);
    this.disposed = true;
    await this.embedRun?.catch(() => undefined);
    this.vectors?.cancelSave();
    try {
      this.vectors?.save(this.store);
    } catch (error) {
      this.options.logger.warn(`dhi index: could not save vectors: ${errorMessage(error)}`);
    }
    await this.embedder?.dispose();
    this.store.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
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
