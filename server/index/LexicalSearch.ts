import { EXTENDED_STOP_WORDS, queryTerms, STOP_WORDS } from "./identifiers.js";

/** What lexical search needs from the database. */
export interface LexicalStore {
  /** Chunks in the index. */
  chunkCount(): number;
  /** Chunks matching the FTS5 query `match`, counted up to `cap`. */
  documentFrequency(match: string, cap: number): number;
  /** bm25-ranked chunk ids for an FTS5 query, best first; `symbolWeight` is the symbol-name column's bm25 weight. */
  fts(match: string, limit: number, symbolWeight: number): Array<{ id: number }>;
  /** Chunk ids matching an FTS5 query, unranked (cheap however many match). */
  ftsUnranked(match: string, limit: number): number[];
}

/**
 * Lexical search bounds bm25's work: words in more than COMMON_WORD_SHARE of the chunks (at least
 * COMMON_WORD_MIN_CHUNKS) act as stop words, and at most FTS_SCORED_ROWS chunks are scored per query (the rarest
 * word still runs when it alone has more). Scoring every matching chunk costs 15-50 ms P95 on 100k chunks; these
 * bounds keep it near 4 ms. bench/retrieval.mjs (doc-comment queries among 118k chunks) chose them: recall@5 0.39
 * at 1% / 3,000 rows, 0.51 here, 0.55 unbounded.
 */
const COMMON_WORD_SHARE = 0.05;
const COMMON_WORD_MIN_CHUNKS = 500;
const FTS_SCORED_ROWS = 10_000;
/** Cached document frequencies of at least this many chunks survive single-file writes (see written()). */
const DF_KEPT_FROM = 256;
/** After this many single-file writes every cached frequency is recounted. */
const DF_RECOUNT_AFTER_WRITES = 100;
const DF_CACHE_LIMIT = 20_000;

/** How a query becomes an FTS5 query. DEFAULT_TUNING is what bench:retrieval measured best (bench/retrieval.md). */
export interface QueryTuning {
  /** Which English words are dropped from the query ("none" keeps them all). */
  stopWords: "none" | "basic" | "extended";
  /** bm25 weight of the symbol-name column (the body's is 1): how much a match in a name counts. */
  symbolWeight: number;
}

/**
 * bench:retrieval (bench/retrieval.md): a symbol-name weight of 1 lost 4-13 points of FTS recall@5 on every corpus,
 * 16 matched or beat 8 on all three; the extended stop words added a few queries on two corpora and lost one on the
 * third. Both together ranked best overall (differences of 1-2 queries in 150, so small).
 */
export const DEFAULT_TUNING: QueryTuning = { stopWords: "extended", symbolWeight: 16 };

const STOP_WORD_SETS: Record<QueryTuning["stopWords"], ReadonlySet<string>> = {
  none: new Set(),
  basic: STOP_WORDS,
  extended: EXTENDED_STOP_WORDS,
};

/** bm25 over FTS5 within a bounded amount of work per query, with the document frequencies it needs cached. */
export class LexicalSearch {
  /** Capped document frequencies of words found in at least DF_KEPT_FROM chunks. */
  private readonly largeDf = new Map<string, number>();
  /** The same for rarer words (and words not in the index): forgotten at every write. */
  private readonly smallDf = new Map<string, number>();
  private writesSinceRecount = 0;
  /** Chunk count for the common-word cap; -1 when stale. */
  private chunks = -1;

  constructor(private readonly store: LexicalStore) {}

  /**
   * Ranks chunks for the query's words (identifiers split). Common words are dropped, like stop words: they
   * barely move bm25 yet make FTS5 score (and look up the length of) most of the index.
   */
  rank(query: string, depth: number, tuning: QueryTuning = DEFAULT_TUNING): number[] {
    const terms = queryTerms(query, 24, STOP_WORD_SETS[tuning.stopWords]);
    if (terms.length === 0) return [];
    if (this.chunks < 0) this.chunks = this.store.chunkCount();
    const cap = Math.max(COMMON_WORD_MIN_CHUNKS, Math.floor(this.chunks * COMMON_WORD_SHARE));
    const withDf = terms.map((term) => ({ term, df: this.documentFrequency(term, cap) })).filter((t) => t.df > 0);
    withDf.sort((a, b) => a.df - b.df);
    const rare = withDf.filter((t) => t.df < cap);
    if (rare.length > 0) {
      // bm25 scores every chunk that matches any term: take the rarest terms while their chunks fit the budget.
      const chosen: string[] = [];
      let rows = 0;
      for (const { term, df } of rare.slice(0, 8)) {
        if (chosen.length > 0 && rows + df > FTS_SCORED_ROWS) break;
        chosen.push(`"${term}"`);
        rows += df;
      }
      return this.store.fts(chosen.join(" OR "), depth, tuning.symbolWeight).map((r) => r.id);
    }
    // Only common words (`error`, `export function resolve(`): ranking every chunk that has them all took up to
    // 25 ms. Rank the chunks whose symbol names hold them, then fill up with other chunks that have them all.
    if (withDf.length === 0) return [];
    const all = withDf.slice(0, 4).map((t) => `"${t.term}"`).join(" AND ");
    const ids = this.store.fts(`{symbols} : (${all})`, depth, tuning.symbolWeight).map((r) => r.id);
    if (ids.length < depth) {
      for (const id of this.store.ftsUnranked(all, depth * 2)) {
        if (ids.length >= depth) break;
        if (!ids.includes(id)) ids.push(id);
      }
    }
    return ids;
  }

  /**
   * The index changed. After one file's write only the small frequencies are recounted: the large ones cost the
   * most to count (milliseconds per query on 100k chunks, paid after every keystroke's re-index) and one file
   * barely moves them, while a word just typed must not stay "absent". Bulk work, or many single writes,
   * recounts everything.
   */
  written(bulk: boolean): void {
    this.smallDf.clear();
    if (bulk || ++this.writesSinceRecount >= DF_RECOUNT_AFTER_WRITES) {
      this.largeDf.clear();
      this.chunks = -1;
      this.writesSinceRecount = 0;
    }
  }

  private documentFrequency(term: string, cap: number): number {
    let df = this.largeDf.get(term) ?? this.smallDf.get(term);
    if (df === undefined) {
      df = this.store.documentFrequency(`"${term}"`, cap);
      const cache = df >= DF_KEPT_FROM ? this.largeDf : this.smallDf;
      if (cache.size > DF_CACHE_LIMIT) cache.clear();
      cache.set(term, df);
    }
    return df;
  }
}
