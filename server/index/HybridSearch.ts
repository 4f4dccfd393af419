import { throwIfAborted } from "../util/abort.js";
import type { FusionCalibration } from "./calibration/calibrateFusion.js";
import { queryKind } from "./calibration/calibrationQueries.js";
import type { Embedder } from "./Embedder.js";
import { EMBED_TEXT_CHARS } from "./EmbeddingPipeline.js";
import { queryIdentifiers } from "./identifiers.js";
import type { IndexStore } from "./IndexStore.js";
import { LexicalSearch, type QueryTuning } from "./LexicalSearch.js";
import { fuseRankings, RRF_K } from "./rrf.js";
import type { SearchHit } from "./types.js";
import type { VectorIndex } from "./VectorIndex.js";

/** Candidates each ranked list contributes to fusion. */
export const FUSION_DEPTH = 50;
/** RRF weights of the [FTS5, vectors, symbol graph] lists until the workspace's calibration has measured them. */
export const DEFAULT_FUSION_WEIGHTS: readonly number[] = [1, 1, 1];
/** Hits search() returns unless asked for another number. */
const DEFAULT_HITS = 10;
/** The graph ranking looks up at most this many of the query's identifiers... */
const GRAPH_QUERY_NAMES = 8;
/** ...with at most this many definitions each... */
const GRAPH_DEFINITIONS_PER_NAME = 5;
/** ...and, for each name that has a definition, this many of its heaviest callers. */
const GRAPH_CALLERS_PER_NAME = 5;

export interface HybridSearchParts {
  store: IndexStore;
  /** Null without embeddings: the vector ranking is then empty. */
  embedder: Embedder | null;
  vectors: VectorIndex | null;
  /** The workspace's measured fusion weights (calibration/), or null for DEFAULT_FUSION_WEIGHTS. */
  calibration: FusionCalibration | null;
}

/** Hybrid search: FTS5 (bm25 within bounded work), vector and symbol-graph rankings, fused by weighted RRF. */
export class HybridSearch {
  /** bm25 within bounded work; caches word frequencies, so it hears of every write (see written()). */
  private readonly lexical: LexicalSearch;
  private readonly store: IndexStore;
  private readonly embedder: Embedder | null;
  private readonly vectors: VectorIndex | null;
  /** The fusion weights measured on this workspace; null until measured. */
  calibration: FusionCalibration | null;

  constructor(parts: HybridSearchParts) {
    this.store = parts.store;
    this.embedder = parts.embedder;
    this.vectors = parts.vectors;
    this.calibration = parts.calibration;
    this.lexical = new LexicalSearch(parts.store.fts);
  }

  /** The index changed: a bulk update or rebuild, or one file's write. */
  written(bulk: boolean): void {
    this.lexical.written(bulk);
  }

  async search(query: string, options: { k?: number; signal?: AbortSignal } = {}): Promise<SearchHit[]> {
    const rankings = await this.rankings(query, options.signal);
    return this.hits(fuseRankings(rankings, RRF_K, this.fusionWeights(query)).slice(0, options.k ?? DEFAULT_HITS));
  }

  /** [FTS5, vectors, graph] RRF weights for a query: the calibrated ones of its kind (prose or code) once measured. */
  fusionWeights(query: string): number[] {
    const w = this.calibration?.[queryKind(query)].weights;
    return w ? [w.fts, w.vectors, w.graph] : [...DEFAULT_FUSION_WEIGHTS];
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
      const id = this.store.vectors.chunkOfLabel(label);
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
    for (const name of queryIdentifiers(query).slice(0, GRAPH_QUERY_NAMES)) {
      const defs = this.store.graph.definitionChunks(name, GRAPH_DEFINITIONS_PER_NAME);
      if (defs.length > 0) symbols.push(name);
      add(defs);
    }
    for (const name of symbols) add(this.store.graph.callerChunks(name, GRAPH_CALLERS_PER_NAME));
    return ids;
  }

  private hits(fused: Array<{ id: number; score: number }>): SearchHit[] {
    const out: SearchHit[] = [];
    for (const { id, score } of fused) {
      const chunk = this.store.chunks.byId(id);
      if (chunk) out.push({ chunk, score });
    }
    return out;
  }
}
