import Database from "better-sqlite3";
import { identifierParts } from "../identifiers.js";
import type { LexicalStore } from "../LexicalSearch.js";
import { symbolTerms } from "../prepareFile.js";

/**
 * An in-memory FTS5 table over a sample of the index's chunks, laid out like the index's own (symbol names,
 * body plus identifier parts, porter + unicode61, bm25 weights 8 / 1), so LexicalSearch ranks it the same way.
 * Calibration indexes the answer chunks here with their doc comments held out.
 */
export class PoolLexicalStore implements LexicalStore {
  private readonly db = new Database(":memory:");
  private count = 0;
  private readonly ranked: Database.Statement<[string, number, number], { id: number }>;
  private readonly unranked: Database.Statement<[string, number], { id: number }>;
  private readonly frequency: Database.Statement<[string, number], { n: number }>;

  constructor() {
    this.db.exec("CREATE VIRTUAL TABLE pool_fts USING fts5(symbols, body, tokenize = 'porter unicode61')");
    this.ranked = this.db.prepare("SELECT rowid AS id FROM pool_fts WHERE pool_fts MATCH ? ORDER BY bm25(pool_fts, ?, 1.0) LIMIT ?");
    this.unranked = this.db.prepare("SELECT rowid AS id FROM pool_fts WHERE pool_fts MATCH ? LIMIT ?");
    this.frequency = this.db.prepare("SELECT count(*) AS n FROM (SELECT 1 FROM pool_fts WHERE pool_fts MATCH ? LIMIT ?)");
  }

  add(chunks: Array<{ id: number; symbol: string | null; text: string }>): void {
    const insert = this.db.prepare("INSERT INTO pool_fts(rowid, symbols, body) VALUES (?, ?, ?)");
    this.db.transaction(() => {
      for (const c of chunks) insert.run(c.id, symbolTerms(c.symbol ? [c.symbol] : []), `${c.text}\n${identifierParts(c.text)}`);
    })();
    this.count += chunks.length;
  }

  chunkCount(): number {
    return this.count;
  }

  documentFrequency(match: string, cap: number): number {
    return this.frequency.get(match, cap)?.n ?? 0;
  }

  fts(match: string, limit: number, symbolWeight: number): Array<{ id: number }> {
    return this.ranked.all(match, symbolWeight, limit);
  }

  ftsUnranked(match: string, limit: number): number[] {
    return this.unranked.all(match, limit).map((r) => r.id);
  }

  close(): void {
    this.db.close();
  }
}
