import { LexicalSearch } from "../LexicalSearch.js";
import { fuseRankings, RRF_K } from "../rrf.js";
import { calibrationQuery, callSiteQuery, type CalibrationChunk, type CalibrationQuery } from "./calibrationQueries.js";
import { PoolLexicalStore } from "./PoolLexicalStore.js";

// Per-workspace fusion weights. Each ranker (FTS5, vectors, symbol graph) is measured on queries the workspace
// makes about itself (see calibrationQueries.ts) within a pool of its chunks, and the RRF weights follow from
// those recalls: a ranker no better than chance gets 0, the others their recall's share of the best one's.
// Weights from a small grid around that replace them only when they rank the same queries strictly better, and
// fusion is used at all only when it beats the best ranker alone by a margin: so on its own queries the fusion
// never does worse than its best ranker, and where it is not clearly better it is that ranker.

export const RANKERS = ["fts", "vectors", "graph"] as const;
export type RankerName = (typeof RANKERS)[number];
export type PerRanker = Record<RankerName, number>;

/** The measurement and the weights for one kind of query. */
export interface KindCalibration {
  /** False with fewer than MIN_QUERIES queries of this kind: the weights are then plain RRF. */
  measured: boolean;
  queries: number;
  /** Answer in the top 5, per ranker and for the fusion with `weights`. */
  recallAt5: PerRanker & { hybrid: number };
  mrr: PerRanker & { hybrid: number };
  weights: PerRanker;
}

export interface FusionCalibration {
  /** The embedding model the vectors came from ("none" without vectors). */
  embeddingModel: string;
  /** Chunks in the index when measured (a much larger index is calibrated again). */
  chunks: number;
  /** Chunks the queries were ranked among. */
  pool: number;
  /** Doc comments as queries (natural-language questions). */
  prose: KindCalibration;
  /** Call sites as queries (code around the cursor, code pasted into a search). */
  code: KindCalibration;
}

/** What calibration needs from the index. */
export interface CalibrationSource {
  embeddingModel: string;
  chunkCount: number;
  /** Up to `limit` chunks spread evenly over the index (of `kinds` when given), in id order. */
  sampleChunks(limit: number, kinds?: string[]): CalibrationChunk[];
  /** The stored vector of a chunk; null when it has none. */
  storedVector(chunkId: number): Float32Array | null;
  /** The index's embedder; null without vectors. */
  embed: ((texts: string[]) => Promise<Float32Array[]>) | null;
  graphRanking(query: string, depth: number): number[];
  /** The index's own [FTS5, vectors, graph] lists for a query (code queries need no held-out text). */
  rankings(query: string, depth: number): Promise<number[][]>;
  /** Chunks that call `name`, and a chunk's text. */
  callerChunks(name: string, limit: number): number[];
  chunkText(id: number): string | null;
  signal?: AbortSignal;
}

const MAX_QUERIES = 120;
/** Chunks read to find the queries: most functions have no doc comment. */
const CANDIDATES = 3000;
const POOL = 2000;
const DEPTH = 50;
/** Chunk text given to the embedder, as the index does. */
const EMBED_TEXT_CHARS = 1200;
const GRID = [0, 0.1, 0.25, 0.5, 1];
/** Answers fusion must add to the top 5 (of up to MAX_QUERIES) over the best single ranker to be used. */
const FUSION_MARGIN = 2;
/** Fewer queries than this measure nothing: the weights stay plain RRF. */
export const MIN_QUERIES = 8;

const perRanker = (values: number[]): PerRanker => ({ fts: values[0], vectors: values[1], graph: values[2] });

/** Measures the rankers on both kinds of query and picks each kind's weights. */
export async function calibrateFusion(source: CalibrationSource): Promise<FusionCalibration> {
  const candidates = source.sampleChunks(CANDIDATES, ["function", "method"]);
  const proseQueries = unique(candidates.map(calibrationQuery));
  const codeQueries = unique(candidates.map((c) => {
    const name = c.symbol?.split(/[.:]+/).pop();
    const caller = name ? source.callerChunks(name, 3).find((id) => id !== c.id) : undefined;
    const text = caller === undefined ? null : source.chunkText(caller);
    return caller === undefined || text === null ? null : callSiteQuery(c, { id: caller, text });
  }));
  const pickedProse = spread(proseQueries, MAX_QUERIES);
  const pickedCode = spread(codeQueries, MAX_QUERIES);
  const answers = new Set([...pickedProse, ...pickedCode].map((q) => q.chunkId));
  const others = source.sampleChunks(POOL).filter((c) => !answers.has(c.id)).slice(0, Math.max(0, POOL - answers.size));
  const poolIds = new Set([...answers, ...others.map((c) => c.id)]);
  const symbols = new Map(candidates.map((c) => [c.id, c.symbol]));
  const prose = pickedProse.length < MIN_QUERIES ? unmeasured(pickedProse.length) : chooseWeights(
    await poolRankings(source, pickedProse, others, poolIds, symbols), pickedProse.map((q) => q.chunkId), Math.min(1, 5 / poolIds.size),
  );
  // A call site is not part of its answer, so code queries run on the whole index as they are.
  const codeLists: number[][][] = [];
  for (const q of pickedCode) {
    source.signal?.throwIfAborted();
    codeLists.push(await source.rankings(q.query, DEPTH));
  }
  const code = pickedCode.length < MIN_QUERIES ? unmeasured(pickedCode.length) : chooseWeights(
    codeLists, pickedCode.map((q) => q.chunkId), Math.min(1, 5 / Math.max(1, source.chunkCount)),
  );
  return { embeddingModel: source.embeddingModel, chunks: source.chunkCount, pool: poolIds.size, prose, code };
}

function unmeasured(queries: number): KindCalibration {
  const zero = { ...perRanker([0, 0, 0]), hybrid: 0 };
  return { measured: false, queries, recallAt5: zero, mrr: zero, weights: perRanker([1, 1, 1]) };
}

/** Prose queries ranked within the pool, their answers as the rankers may see them (doc comments held out). */
async function poolRankings(
  source: CalibrationSource,
  picked: CalibrationQuery[],
  others: CalibrationChunk[],
  poolIds: Set<number>,
  symbols: Map<number, string | null>,
): Promise<number[][][]> {
  const lexicalStore = new PoolLexicalStore();
  let lists: number[][][];
  try {
    // Every answer is in the pool; a prose answer as the rankers may see it (its doc comment held out).
    const seen = new Set(picked.map((q) => q.chunkId));
    const rest = others.filter((c) => !seen.has(c.id));
    lexicalStore.add([...rest, ...dedupe(picked).map((q) => ({ id: q.chunkId, symbol: symbols.get(q.chunkId) ?? null, text: q.heldOut }))]);
    const lexical = new LexicalSearch(lexicalStore);
    const vectorLists = await vectorRankings(source, picked, rest);
    lists = picked.map((q, i) => [
      lexical.rank(q.query, DEPTH),
      vectorLists[i],
      source.graphRanking(q.query, DEPTH * 4).filter((id) => poolIds.has(id)).slice(0, DEPTH),
    ]);
  } finally {
    lexicalStore.close();
  }
  return lists;
}

/** Each ranker's recall, and the weights: recall shares of the useful rankers, or a grid point that does better. */
function chooseWeights(lists: number[][][], targets: number[], chance: number): KindCalibration {
  const single = RANKERS.map((_, r) => score(lists.map((l) => l[r]), targets));
  const useful = single.map((s) => aboveChance(s.hits, targets.length, chance));
  const bestRecall = Math.max(...single.map((s, r) => (useful[r] ? s.recall : 0)));
  let weights = single.map((s, r) => (useful[r] && bestRecall > 0 ? round(s.recall / bestRecall) : 0));
  if (weights.every((w) => w === 0)) weights = [1, 0, 0];
  let best = fusedScore(lists, targets, weights);
  for (const candidate of grid(useful, single.map((s) => s.recall))) {
    const s = fusedScore(lists, targets, candidate);
    if (s.hits > best.hits || (s.hits === best.hits && s.mrr > best.mrr + 1e-9)) {
      best = s;
      weights = candidate;
    }
  }
  // Fusion must earn its place: unless it ranks FUSION_MARGIN more answers into the top 5 than the best ranker
  // alone, that ranker alone is used (a gain of one query in 120 did not carry over to other queries).
  const top = single.reduce((a, b, r) => (b.hits > single[a].hits || (b.hits === single[a].hits && b.mrr > single[a].mrr) ? r : a), 0);
  if (best.hits < single[top].hits + FUSION_MARGIN) {
    weights = RANKERS.map((_, r) => (r === top ? 1 : 0));
    best = single[top];
  }
  return {
    measured: true,
    queries: targets.length,
    recallAt5: { ...perRanker(single.map((s) => round(s.recall))), hybrid: round(best.recall) },
    mrr: { ...perRanker(single.map((s) => round(s.mrr))), hybrid: round(best.mrr) },
    weights: perRanker(weights),
  };
}

function unique(queries: Array<CalibrationQuery | null>): CalibrationQuery[] {
  const out: CalibrationQuery[] = [];
  const seen = new Set<string>();
  for (const q of queries) if (q && !seen.has(q.query) && seen.add(q.query)) out.push(q);
  return out;
}

/** One entry per answer chunk (two call sites may lead to the same function). */
function dedupe(queries: CalibrationQuery[]): CalibrationQuery[] {
  const seen = new Set<number>();
  return queries.filter((q) => !seen.has(q.chunkId) && seen.add(q.chunkId));
}

/** Per query, the pool ranked by cosine to the query: answers embedded with their doc comment held out. */
async function vectorRankings(source: CalibrationSource, picked: CalibrationQuery[], others: CalibrationChunk[]): Promise<number[][]> {
  if (!source.embed) return picked.map(() => []);
  const pool: Array<{ id: number; vector: Float32Array }> = [];
  for (const c of others) {
    const vector = source.storedVector(c.id);
    if (vector) pool.push({ id: c.id, vector });
  }
  const answers = dedupe(picked);
  const answerVectors = await source.embed(answers.map((q) => q.heldOut.slice(0, EMBED_TEXT_CHARS)));
  answers.forEach((q, i) => pool.push({ id: q.chunkId, vector: answerVectors[i] }));
  source.signal?.throwIfAborted();
  const queryVectors = await source.embed(picked.map((q) => q.query.slice(0, EMBED_TEXT_CHARS)));
  return queryVectors.map((qv) =>
    pool.map((p) => ({ id: p.id, similarity: dot(qv, p.vector) }))
      .sort((a, b) => b.similarity - a.similarity || a.id - b.id)
      .slice(0, DEPTH)
      .map((p) => p.id),
  );
}

interface Score {
  hits: number;
  recall: number;
  mrr: number;
}

function score(rankings: number[][], targets: number[]): Score {
  let hits = 0;
  let reciprocal = 0;
  rankings.forEach((ranking, i) => {
    const rank = ranking.indexOf(targets[i]);
    if (rank >= 0 && rank < 5) hits++;
    if (rank >= 0) reciprocal += 1 / (rank + 1);
  });
  return { hits, recall: hits / Math.max(1, targets.length), mrr: reciprocal / Math.max(1, targets.length) };
}

function fusedScore(lists: number[][][], targets: number[], weights: number[]): Score {
  return score(lists.map((l) => fuseRankings(l, RRF_K, weights).slice(0, DEPTH).map((r) => r.id)), targets);
}

/** More hits in the top 5 than chance gives, by two standard deviations, and at least two. */
function aboveChance(hits: number, n: number, chance: number): boolean {
  return hits >= 2 && hits > n * chance + 2 * Math.sqrt(n * chance * (1 - chance));
}

/** Weight vectors with the best useful ranker at 1 and the other useful ones on GRID; useless ones stay 0. */
function* grid(useful: boolean[], recalls: number[]): Generator<number[]> {
  const usable = RANKERS.map((_, r) => r).filter((r) => useful[r]);
  if (usable.length < 2) return;
  const top = usable.reduce((a, b) => (recalls[b] > recalls[a] ? b : a));
  const rest = usable.filter((r) => r !== top);
  const choices = rest.reduce<number[][]>((acc) => acc.flatMap((prefix) => GRID.map((w) => [...prefix, w])), [[]]);
  for (const choice of choices) {
    const weights = [0, 0, 0];
    weights[top] = 1;
    rest.forEach((r, i) => (weights[r] = choice[i]));
    yield weights;
  }
}

/** Every (n / limit)-th item, so the sample covers the whole list. */
function spread<T>(items: T[], limit: number): T[] {
  if (items.length <= limit) return items;
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length && i < b.length; i++) s += a[i] * b[i];
  return s;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
