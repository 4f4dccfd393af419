import { mkdirSync, rmSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import type { Settings } from "../config/schema.js";
import { languageOf } from "../syntax/index.js";
import { throwIfAborted } from "../util/abort.js";
import { stepAside, type Foreground } from "../util/foreground.js";
import { errorMessage, type Logger } from "../util/logger.js";
import { Mutex } from "../util/Mutex.js";
import { workspaceCacheDir } from "../util/paths.js";
import { releaseMemory } from "../util/releaseMemory.js";
import { isRefusal, statWorkspaceFile } from "../util/safeFiles.js";
import { BUSY_MESSAGE, runBulkUpdate } from "./bulkUpdate.js";
import { proximity } from "./definitionProximity.js";
import { Embedder } from "./Embedder.js";
import { embeddingReadiness } from "./embeddingReadiness.js";
import { contentHash, type FileJob } from "./examineFile.js";
import { applyJob, changedStat, examineHere, type FileContext } from "./fileJobs.js";
import { queryIdentifiers } from "./identifiers.js";
import { IndexStore, isBusyError, type FileRecord } from "./IndexStore.js";
import { LexicalSearch, type QueryTuning } from "./LexicalSearch.js";
import { resolveImport } from "./resolveImport.js";
import { retrieveContext } from "./retrieveContext.js";
import { calibrateFusion, type FusionCalibration } from "./calibration/calibrateFusion.js";
import { calibrationStale, readCalibration, writeCalibration } from "./calibration/calibrationFile.js";
import { queryKind } from "./calibration/calibrationQueries.js";
import { fuseRankings } from "./rrf.js";
import type {
  Chunk, CodeIndex, IndexStats, ReferenceLocation, RetrievalRequest, RetrievedChunk, SearchHit, SymbolLocation, UpdateOptions,
} from "./types.js";
import { UpdateProcess } from "./UpdateProcess.js";
import { VectorIndex } from "./VectorIndex.js";
import { exclusionMatcher } from "./walkWorkspace.js";

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
  /** Extraction processes; 0 indexes on this thread (no update process either). Defaults to one per core. */
  extractionWorkers?: number;
  /** How long the HNSW file's save waits after a small embedding pass; defaults to VECTOR_SAVE_DELAY_MS. */
  vectorSaveDelayMs?: number;
  /** The editor's requests in flight: bulk indexing and embedding step aside while they run. */
  foreground?: Foreground;
}

/** Inline updates that wrote at least this many files end with a full GC (see releaseMemory). */
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
/** RRF weights of the [FTS5, vectors, symbol graph] lists until the workspace's calibration has measured them. */
const FUSION_WEIGHTS = [1, 1, 1];
/** The server's connection waits at most this long (blocking) for another process's write lock... */
const BUSY_TIMEOUT_MS = 100;
/** ...then exclusive() retries, backing off from BUSY_RETRY_MS to BUSY_RETRY_MAX_MS, and gives up after BUSY_GIVE_UP_MS. */
const BUSY_RETRY_MS = 100;
const BUSY_RETRY_MAX_MS = 1000;
const BUSY_GIVE_UP_MS = 120_000;
/** Definitions of one name ranked by proximity for retrieval (a name defined in more files: arbitrary ones beyond). */
const DEFINITION_CANDIDATES = 64;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The workspace's code index: SQLite (chunks, symbols, refs, FTS5) plus an HNSW of chunk vectors. */
export class WorkspaceIndex implements CodeIndex, AsyncDisposable {
  readonly root: string;
  /** Why there are no vectors (model missing or failed to load); null when embeddings work. */
  readonly embeddingProblem: string | null;
  /** Open documents' text: the editor's text wins over the disk. */
  private readonly overlays = new Map<string, string>();
  private updating: Promise<IndexStats> | null = null;
  /** Whether the run in `updating` has begun (its walk may have missed later changes). */
  private latestRunScanning = false;
  private embedRun: Promise<void> | null = null;
  private embedRequested = false;
  /** Who hears embedding progress (an update() waiting for the run); null for background passes. */
  private embedListener: ((embedded: number, pending: number) => void) | null = null;
  private lastSeconds = 0;
  /** Where files are and which are open, for the single-file paths (and the inline bulk update). */
  private readonly files: FileContext;
  /** bm25 within bounded work; caches word frequencies, so it hears of every write. */
  private readonly lexical: LexicalSearch;
  /** Exclusion rules for single files; rebuilt by update() so .gitignore edits take effect. */
  private excluded: (path: string) => Promise<boolean>;
  /**
   * One writer at a time: a bulk update (perhaps in the update process, on its own connection) holds it for its
   * whole run, and single-file writes, embedding batches and vector saves wait for it.
   */
  private readonly writeLock = new Mutex();
  /** The bulk update running in the update process, told about documents opened and closed meanwhile. */
  private running: UpdateProcess | null = null;
  private vectorSaveTimer: NodeJS.Timeout | null = null;
  /** Chunks embedded since the index was opened (only new or changed chunks are). */
  embeddedSinceOpen = 0;
  /**
   * Every chunk up to this id has been given a vector (or is gone): chunk ids only grow, so an embedding pass
   * starts after it instead of scanning the whole table for the few new chunks of an edit.
   */
  private embeddedThrough = 0;
  private disposed = false;
  /** The fusion weights measured on this workspace (calibration/), beside the index; null until measured. */
  private calibration: FusionCalibration | null;

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
    this.files = { root: this.root, isOpen: (p) => this.overlays.has(p), skipped: (p, why) => this.skipped(p, why) };
    this.excluded = exclusionMatcher(this.root, options.settings.index.exclude);
    const saved = readCalibration(this.cacheDir);
    this.calibration = saved && saved.embeddingModel === this.embeddingModelKey ? saved : null;
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
          store.bumpVectorVersion();
          store.setMeta("embed_model", modelKey);
        });
        VectorIndex.deleteFile(file);
      }
      vectors = VectorIndex.open(store, embedder.dims, file);
      if (vectors.loadedFrom !== "file") options.logger.info(`dhi index: vectors ${vectors.loadedFrom} from SQLite (${vectors.size})`);
    }
    if (problem) options.logger.info(`dhi index: search runs without vectors: ${problem}`);
    // From here on this thread never waits long on another writer's lock: exclusive() retries instead.
    store.setBusyTimeout(BUSY_TIMEOUT_MS);
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
    await this.writeLock.run(undefined, async () => {
      if (options.rebuild) {
        try {
          this.clear();
        } catch (error) {
          throw isBusyError(error) ? new Error(BUSY_MESSAGE) : error;
        }
      }
      this.excluded = exclusionMatcher(this.root, exclude);
      onProgress?.({ done: 0, total: 0, message: "Scanning workspace" });
      const onCommit = (done: number, total: number, removedLabels: number[]): void => {
        this.lexical.written(true);
        this.vectors?.remove(removedLabels);
        if (done > 0) onProgress?.({ done, total, message: "Indexing files" });
      };
      const bulk = { root: this.root, exclude, maxFileBytes, extractionWorkers: this.options.extractionWorkers, foreground: this.options.foreground, signal, onCommit };
      if (this.options.extractionWorkers !== 0 && UpdateProcess.available()) {
        const run = UpdateProcess.start({ ...bulk, dbFile: this.store.file, open: [...this.overlays.keys()] });
        this.running = run;
        try {
          await run.done;
        } finally {
          this.running = null;
        }
        return;
      }
      const { changed } = await runBulkUpdate({ ...bulk, ...this.files, store: this.store });
      // Inline, the extraction results grew this process's heap: hand that memory back now.
      if (changed >= RELEASE_MEMORY_AFTER_FILES) releaseMemory();
    });
    if (this.embedder) {
      onProgress?.({ done: 0, total: 0, message: "Embedding chunks" });
      const onEmbedded = onProgress && ((embedded: number, pending: number) => onProgress({ done: embedded, total: pending, message: "Embedding chunks" }));
      // A failing model must not fail indexing: the chunks stay searchable without vectors.
      await this.requestEmbedding(signal, onEmbedded).catch((error: unknown) => {
        this.options.logger.warn(`dhi index: embedding failed: ${errorMessage(error)}`);
      });
    }
    await this.calibrateIfStale(signal).catch((error: unknown) => {
      if (!signal?.aborted) this.options.logger.warn(`dhi index: fusion calibration failed: ${errorMessage(error)}`);
    });
    this.lastSeconds = (performance.now() - started) / 1000;
    return this.stats();
  }

  private get cacheDir(): string {
    return dirname(this.store.file);
  }

  /** Which vectors the index holds: the model key stored with them, or "none". */
  private get embeddingModelKey(): string {
    return this.embedder ? (this.store.getMeta("embed_model") ?? "none") : "none";
  }

  /** The measured fusion (recalls and weights); null before the first calibration. */
  get fusionCalibration(): FusionCalibration | null {
    return this.calibration;
  }

  /** Measures the rankers on the workspace's own doc comments when the model changed or the index grew a lot. */
  async calibrateIfStale(signal?: AbortSignal, force = false): Promise<FusionCalibration | null> {
    const chunks = this.store.counts().chunks;
    if (chunks === 0 || (!force && !calibrationStale(this.calibration, this.embeddingModelKey, chunks))) return this.calibration;
    const embedder = this.embedder;
    const calibration = await calibrateFusion({
      embeddingModel: this.embeddingModelKey,
      chunkCount: chunks,
      sampleChunks: (limit, kinds) => this.store.sampleChunks(limit, kinds),
      storedVector: (id) => this.store.vectorOfChunk(id),
      embed: embedder && this.vectors && this.vectors.size > 0 ? (texts) => embedder.embed(texts) : null,
      graphRanking: (query, depth) => this.graphRanking(query, depth),
      rankings: (query, depth) => this.rankings(query, signal, depth),
      callerChunks: (name, limit) => this.store.callerChunks(name, limit),
      chunkText: (id) => this.store.chunk(id)?.text ?? null,
      signal,
    });
    if (this.disposed || signal?.aborted) return this.calibration;
    writeCalibration(this.cacheDir, calibration);
    this.calibration = calibration;
    return calibration;
  }

  /**
   * Decides what one file needs: nothing (unchanged), a touch (same content, new mtime), a removal, or indexing.
   * Unreadable, binary, huge or minified files are dropped from the index, never thrown.
   */
  private async readJob(path: string, known: FileRecord | undefined, maxFileBytes: number): Promise<FileJob | null> {
    const info = await changedStat(this.files, path, known);
    return info === null ? null : examineHere(this.files, path, known, info, maxFileBytes);
  }

  private skipped(path: string, why: string): void {
    // A refusal (a link leading outside, a device, a FIFO) means an odd or hostile repository: say so.
    this.options.logger.log(why.startsWith("dhi: refused") ? "warn" : "debug", `dhi index: skipping ${path}: ${why}`);
  }

  /** The editor opened or closed a document: a running bulk update must leave (or again take) its disk version. */
  private documentOpen(path: string, open: boolean): void {
    this.running?.setOpen(path, open);
  }

  /** Runs `work` (one file's write) in one transaction, under the write lock; then the HNSW follows. */
  private async write(work: () => number[]): Promise<void> {
    await this.exclusive(() => {
      const removed = this.store.transaction(() => {
        const labels = work();
        if (labels.length > 0) this.store.bumpVectorVersion();
        return labels;
      });
      this.lexical.written(false);
      this.vectors?.remove(removed);
    });
  }

  /**
   * Runs `work` (which writes the database) under the write lock. When another process holds the database's own
   * lock (another dhi indexing this workspace, say `dhi index` beside the editor), it waits and tries again
   * without blocking this thread, for up to BUSY_GIVE_UP_MS. It keeps the write lock meanwhile, so writes still
   * land in the order they were asked for.
   */
  private exclusive<T>(work: () => T): Promise<T> {
    return this.writeLock.run(undefined, async () => {
      const started = performance.now();
      for (let wait = BUSY_RETRY_MS; ; wait = Math.min(wait * 2, BUSY_RETRY_MAX_MS)) {
        try {
          return work();
        } catch (error) {
          if (!isBusyError(error)) throw error;
          if (performance.now() - started > BUSY_GIVE_UP_MS) throw new Error(BUSY_MESSAGE);
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    });
  }

  private clear(): void {
    this.lexical.written(true);
    this.store.transaction(() => {
      this.store.db.exec(`DELETE FROM files; DELETE FROM chunks; DELETE FROM symbols; DELETE FROM refs; DELETE FROM imports;
        INSERT INTO chunks_fts(chunks_fts) VALUES('delete-all');`);
      const labels: number[] = [];
      for (const { label } of this.store.allVectors()) labels.push(label);
      this.store.clearVectors();
      this.store.bumpVectorVersion();
      this.vectors?.remove(labels);
    });
  }

  async updateFile(path: string, text: string | null): Promise<void> {
    this.ensureOpen();
    const rel = this.rel(path);
    if (text === null) {
      if (this.overlays.delete(rel)) this.documentOpen(rel, false);
      await this.write(() => this.store.removeFile(rel));
      return;
    }
    if (await this.excluded(rel)) return; // e.g. a file opened from node_modules
    if (!this.overlays.has(rel)) this.documentOpen(rel, true);
    this.overlays.set(rel, text);
    const hash = contentHash(text);
    const job: FileJob = { kind: "index", path: rel, text, hash, mtime: Date.now(), size: Buffer.byteLength(text) };
    // The parse and the write run on the server's thread: not while a completion waits for it (bounded wait).
    await stepAside(this.options.foreground);
    // Compared under the lock: edits queued behind a bulk update are written in order, and the last one wins.
    let wrote = false;
    await this.write(() => {
      if (this.store.getFile(rel)?.hash === hash) return [];
      wrote = true;
      return applyJob(this.store, { job, file: null }, this.files.isOpen, false);
    });
    if (wrote) this.scheduleEmbedding();
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
        if (known) await this.write(() => this.store.removeFile(rel));
        continue;
      }
      const job = await this.readJob(rel, known, maxFileBytes);
      const exists = !isRefusal(statWorkspaceFile(this.root, rel));
      if (job) await this.write(() => applyJob(this.store, { job, file: null }, this.files.isOpen));
      else if (!exists && known) await this.write(() => this.store.removeFile(rel));
      await yieldToEventLoop();
    }
    this.scheduleEmbedding();
  }

  /** Forgets the editor's text for `path` (document closed) and re-indexes it from disk. */
  async closeFile(path: string): Promise<void> {
    this.ensureOpen();
    const rel = this.rel(path);
    if (!this.overlays.delete(rel)) return;
    this.documentOpen(rel, false);
    const job = await this.readJob(rel, undefined, this.options.settings.index.maxFileBytes);
    if (job) await this.write(() => applyJob(this.store, { job, file: null }, this.files.isOpen));
    else if (isRefusal(statWorkspaceFile(this.root, rel))) await this.write(() => this.store.removeFile(rel));
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
      await stepAside(this.options.foreground);
      if (this.disposed || signal?.aborted) break;
      const batch = this.store.pendingChunks(this.embeddedThrough, EMBED_BATCH);
      if (batch.length === 0) break;
      const embedded = await embedder.embed(batch.map((c) => c.text.slice(0, EMBED_TEXT_CHARS)));
      if (this.disposed) break;
      const added = await this.exclusive(() => this.store.transaction(() => {
        const rows = this.store.addVectors(batch.map((c, i) => ({ chunkId: c.id, vector: embedded[i] })));
        if (rows.length > 0) this.store.bumpVectorVersion();
        return rows;
      }));
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
        await this.saveVectors();
        sinceSave = 0;
      }
    }
    if (done > 0) this.embedListener?.(done, Math.max(pending, done));
    if (stored >= VECTOR_SAVE_NOW) await this.saveVectors();
    else this.saveVectorsLater();
  }

  /** Writes the HNSW file (it records the vector version in the database: a write, so under the lock). */
  private async saveVectors(): Promise<void> {
    if (this.vectorSaveTimer) clearTimeout(this.vectorSaveTimer);
    this.vectorSaveTimer = null;
    const vectors = this.vectors;
    if (!vectors || this.store.isClosed) return;
    await this.exclusive(() => vectors.save(this.store)).catch((error: unknown) => {
      this.options.logger.warn(`dhi index: could not save vectors: ${errorMessage(error)}`);
    });
  }

  /** Saves the HNSW file VECTOR_SAVE_DELAY_MS from now, covering every change until then. */
  private saveVectorsLater(): void {
    if (this.vectorSaveTimer || this.disposed) return;
    this.vectorSaveTimer = setTimeout(() => void this.saveVectors(), this.options.vectorSaveDelayMs ?? VECTOR_SAVE_DELAY_MS);
    this.vectorSaveTimer.unref();
  }


  async search(query: string, options: { k?: number; signal?: AbortSignal } = {}): Promise<SearchHit[]> {
    this.ensureOpen();
    const k = options.k ?? 10;
    const rankings = await this.rankings(query, options.signal);
    return this.hits(fuseRankings(rankings, 60, this.fusionWeights(query)).slice(0, k));
  }

  /** [FTS5, vectors, graph] RRF weights for a query: the calibrated ones of its kind (prose or code) once measured. */
  fusionWeights(query: string): number[] {
    const w = this.calibration?.[queryKind(query)].weights;
    return w ? [w.fts, w.vectors, w.graph] : FUSION_WEIGHTS;
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
  lexicalRanking(query: string, depth = FUSION_DEPTH, tuning?: QueryTuning): number[] {
    return this.lexical.rank(query, depth, tuning);
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
    await this.saveVectors();
    await this.embedder?.dispose();
    await this.writeLock.run(undefined, async () => this.store.close());
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
