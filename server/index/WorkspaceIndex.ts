import { dirname } from "node:path";
import type { Settings } from "../config/schema.js";
import { languageOf } from "../syntax/index.js";
import type { Foreground } from "../util/foreground.js";
import { errorMessage, type Logger } from "../util/logger.js";
import { calibrateFusion, type FusionCalibration } from "./calibration/calibrateFusion.js";
import { calibrationStale, readCalibration, writeCalibration } from "./calibration/calibrationFile.js";
import { proximity } from "./definitionProximity.js";
import type { Embedder } from "./Embedder.js";
import { EmbeddingPipeline } from "./EmbeddingPipeline.js";
import { HybridSearch } from "./HybridSearch.js";
import { IndexUpdates, workspaceRelative } from "./IndexUpdates.js";
import { IndexWriter } from "./IndexWriter.js";
import type { IndexStore } from "./IndexStore.js";
import type { QueryTuning } from "./LexicalSearch.js";
import { resolveImport } from "./resolveImport.js";
import { retrieveContext } from "./retrieveContext.js";
import type {
  Chunk, CodeIndex, IndexStats, ReferenceLocation, RetrievalRequest, RetrievedChunk, SearchHit, SymbolLocation, UpdateOptions,
} from "./types.js";
import type { VectorIndex } from "./VectorIndex.js";

export interface WorkspaceIndexOptions {
  /** Absolute workspace root. */
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
  /** How long the large-document parser process stays idle before it exits; defaults to DOCUMENT_PARSER_IDLE_MS. */
  documentParserIdleMs?: number;
  /** How long the HNSW file's save waits after a small embedding pass; defaults to VECTOR_SAVE_DELAY_MS. */
  vectorSaveDelayMs?: number;
  /** The editor's requests in flight: bulk indexing and embedding step aside while they run. */
  foreground?: Foreground;
}

/** What openIndex() opened: the database, and the embedder and vectors when embeddings work. */
export interface OpenedParts {
  store: IndexStore;
  embedder: Embedder | null;
  vectors: VectorIndex | null;
  /** Why there are no vectors; null when embeddings work. */
  embeddingProblem: string | null;
  /** The vectors' model key stored with them, or "none". */
  embeddingModelKey: string;
}

/** Definitions of one name ranked by proximity for retrieval (a name defined in more files: arbitrary ones beyond). */
const DEFINITION_CANDIDATES = 64;

/**
 * The workspace's code index: SQLite (chunks, symbols, refs, FTS5) plus an HNSW of chunk vectors. A facade over
 * IndexUpdates (what is written when), IndexWriter (one writer at a time), EmbeddingPipeline (vectors for new
 * chunks), HybridSearch (fused rankings) and the store's graph queries. Opened by openIndex().
 */
export class WorkspaceIndex implements CodeIndex, AsyncDisposable {
  readonly root: string;
  /** Why there are no vectors (model missing or failed to load); null when embeddings work. */
  readonly embeddingProblem: string | null;
  private readonly store: IndexStore;
  private readonly embedder: Embedder | null;
  private readonly vectors: VectorIndex | null;
  private readonly embeddingModelKey: string;
  private readonly writer: IndexWriter;
  private readonly updates: IndexUpdates;
  private readonly embedding: EmbeddingPipeline | null;
  private readonly hybrid: HybridSearch;
  private updating: Promise<IndexStats> | null = null;
  /** Whether the run in `updating` has begun (its walk may have missed later changes). */
  private latestRunScanning = false;
  private lastSeconds = 0;
  private disposed = false;

  constructor(private readonly options: WorkspaceIndexOptions, parts: OpenedParts) {
    const { store, embedder, vectors } = parts;
    this.root = options.root;
    this.store = store;
    this.embedder = embedder;
    this.vectors = vectors;
    this.embeddingProblem = parts.embeddingProblem;
    this.embeddingModelKey = parts.embeddingModelKey;
    const saved = readCalibration(this.cacheDir);
    this.hybrid = new HybridSearch({ store, embedder, vectors, calibration: saved?.embeddingModel === this.embeddingModelKey ? saved : null });
    this.writer = new IndexWriter(store, (removed) => {
      this.hybrid.written(false);
      vectors?.remove(removed);
    });
    this.embedding = embedder && vectors
      ? new EmbeddingPipeline({ store, embedder, vectors, writer: this.writer, logger: options.logger, foreground: options.foreground, vectorSaveDelayMs: options.vectorSaveDelayMs })
      : null;
    this.updates = new IndexUpdates({
      root: this.root, settings: options.settings, logger: options.logger, store, writer: this.writer,
      extractionWorkers: options.extractionWorkers, documentParserIdleMs: options.documentParserIdleMs, foreground: options.foreground,
      bulkWritten: (removed) => {
        this.hybrid.written(true);
        vectors?.remove(removed);
      },
      filesWritten: () => this.embedding?.schedule(),
    });
  }

  get hasEmbeddings(): boolean {
    return this.embedder !== null;
  }

  /** Workspace-relative "/" path for an absolute or relative path. */
  private rel(path: string): string {
    return workspaceRelative(this.root, path);
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
    await this.updates.bulk(options);
    if (this.embedding) {
      onProgress?.({ done: 0, total: 0, message: "Embedding chunks" });
      const onEmbedded = onProgress && ((embedded: number, pending: number) => onProgress({ done: embedded, total: pending, message: "Embedding chunks" }));
      // A failing model must not fail indexing: the chunks stay searchable without vectors.
      await this.embedding.request(signal, onEmbedded).catch((error: unknown) => {
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

  /** The measured fusion (recalls and weights); null before the first calibration. */
  get fusionCalibration(): FusionCalibration | null {
    return this.hybrid.calibration;
  }

  /** Measures the rankers on the workspace's own doc comments when the model changed or the index grew a lot. */
  async calibrateIfStale(signal?: AbortSignal, force = false): Promise<FusionCalibration | null> {
    const chunks = this.store.counts().chunks;
    const current = this.hybrid.calibration;
    if (chunks === 0 || (!force && !calibrationStale(current, this.embeddingModelKey, chunks))) return current;
    const { store, embedder, hybrid } = this;
    const calibration = await calibrateFusion({
      embeddingModel: this.embeddingModelKey,
      chunkCount: chunks,
      sampleChunks: (limit, kinds) => store.chunks.sample(limit, kinds),
      storedVector: (id) => store.vectors.ofChunk(id),
      embed: embedder && this.vectorCount > 0 ? (texts) => embedder.embed(texts) : null,
      graphRanking: (query, depth) => hybrid.graphRanking(query, depth),
      rankings: (query, depth) => hybrid.rankings(query, signal, depth),
      callerChunks: (name, limit) => store.graph.callerChunks(name, limit),
      chunkText: (id) => store.chunks.byId(id)?.text ?? null,
      signal,
    });
    if (this.disposed || signal?.aborted) return this.hybrid.calibration;
    writeCalibration(this.cacheDir, calibration);
    this.hybrid.calibration = calibration;
    return calibration;
  }

  async updateFile(path: string, text: string | null): Promise<void> {
    this.ensureOpen();
    await this.updates.updateFile(this.rel(path), text);
  }

  /**
   * Re-reads the given files from disk (workspace/didChangeWatchedFiles): changed ones are re-indexed, deleted,
   * ignored or unreadable ones removed. Open documents keep their in-memory text. Far cheaper than update().
   */
  async refreshFromDisk(paths: string[]): Promise<void> {
    this.ensureOpen();
    await this.updates.refreshFromDisk(paths.map((p) => this.rel(p)));
  }

  /** Forgets the editor's text for `path` (document closed) and re-indexes it from disk. */
  async closeFile(path: string): Promise<void> {
    this.ensureOpen();
    await this.updates.closeFile(this.rel(path));
  }

  /** Resolves once background embedding has caught up with every stored chunk. */
  async idle(): Promise<void> {
    await this.embedding?.idle();
  }

  /** Chunks embedded since the index was opened (only new or changed chunks are). */
  get embeddedSinceOpen(): number {
    return this.embedding?.embeddedSinceOpen ?? 0;
  }

  async search(query: string, options: { k?: number; signal?: AbortSignal } = {}): Promise<SearchHit[]> {
    this.ensureOpen();
    return this.hybrid.search(query, options);
  }

  /** [FTS5, vectors, graph] RRF weights for a query: the calibrated ones of its kind (prose or code) once measured. */
  fusionWeights(query: string): number[] {
    return this.hybrid.fusionWeights(query);
  }

  /** The three ranked lists that hybrid search fuses; exposed for benchmarks (FTS-only, vectors-only). */
  rankings(query: string, signal?: AbortSignal, depth?: number): Promise<number[][]> {
    return this.hybrid.rankings(query, signal, depth);
  }

  lexicalRanking(query: string, depth?: number, tuning?: QueryTuning): number[] {
    return this.hybrid.lexicalRanking(query, depth, tuning);
  }

  vectorRanking(query: string, depth?: number): Promise<number[]> {
    return this.hybrid.vectorRanking(query, depth);
  }

  graphRanking(query: string, depth?: number): number[] {
    return this.hybrid.graphRanking(query, depth);
  }

  chunk(id: number): Chunk | null {
    return this.store.chunks.byId(id);
  }

  definitions(name: string): SymbolLocation[] {
    return this.store.graph.definitions(name);
  }

  references(name: string): ReferenceLocation[] {
    return this.store.graph.references(name, (path) => this.importsOf(path));
  }

  callers(name: string): SymbolLocation[] {
    return this.store.graph.callers(name);
  }

  importsOf(path: string): string[] {
    const rel = this.rel(path);
    const language = languageOf(rel);
    const graph = this.store.graph;
    const lookup = {
      has: (p: string) => graph.hasPath(p),
      endingWith: (s: string) => graph.pathsEndingWith(s),
      inFolder: (f: string) => graph.pathsInFolder(f),
    };
    const out: string[] = [];
    for (const spec of graph.importSpecs(rel)) {
      const resolved = resolveImport(rel, spec, language, lookup) ?? spec;
      if (!out.includes(resolved)) out.push(resolved);
    }
    return out;
  }

  chunksOf(path: string): Chunk[] {
    return this.store.chunks.ofPath(this.rel(path));
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
      const found = this.store.graph.definitionsWithPaths(name, DEFINITION_CANDIDATES)
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
    await this.updates.dispose();
    await this.embedding?.stop();
    await this.embedder?.dispose();
    await this.writer.hold(async () => this.store.close());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
