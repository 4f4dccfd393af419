import type Database from "better-sqlite3";
import type { LexicalStore } from "../LexicalSearch.js";

/** Queries of the chunks_fts table (FTS5 over chunk text and symbol names); its rows are written with their chunks. */
export class FtsQueries implements LexicalStore {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      ranked: db.prepare<[number, string, number], { id: number; score: number }>(
        "SELECT rowid AS id, bm25(chunks_fts, ?, 1.0) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?"),
      unranked: db.prepare<[string, number], { id: number }>("SELECT rowid AS id FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?"),
      docFreq: db.prepare<[string, number], { n: number }>(
        "SELECT count(*) AS n FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)"),
      chunkCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM chunks"),
    };
  }

  chunkCount(): number {
    return this.s.chunkCount.get()?.n ?? 0;
  }

  /** How many chunks match `match`, counting no further than `cap` (cheap for common words). */
  documentFrequency(match: string, cap: number): number {
    return this.s.docFreq.get(match, cap)?.n ?? 0;
  }

  /** bm25 over chunk text and symbol names (`symbolWeight` against the body's 1); `match` is an FTS5 query. Best first. */
  fts(match: string, limit: number, symbolWeight: number): Array<{ id: number; score: number }> {
    return this.s.ranked.all(symbolWeight, match, limit);
  }

  /** Chunks matching `match` in index order, without ranking: cheap however many chunks match. */
  ftsUnranked(match: string, limit: number): number[] {
    return this.s.unranked.all(match, limit).map((r) => r.id);
  }
}
