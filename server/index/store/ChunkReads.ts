import type Database from "better-sqlite3";
import type { Chunk } from "../types.js";
import { CHUNK_COLUMNS, toChunk, type ChunkRow } from "./rows.js";

export interface SampledChunk {
  id: number;
  kind: string;
  symbol: string | null;
  text: string;
}

/** Reads of the chunks table (writes go through IndexStore.writeFile, a whole file at a time). */
export class ChunkReads {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      ofPath: db.prepare<[string], ChunkRow>(
        `SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path = ? ORDER BY c.start_line`),
      byId: db.prepare<[number], ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id = ?`),
      sampleById: db.prepare<[number], SampledChunk>("SELECT id, kind, symbol, text FROM chunks WHERE id = ?"),
    };
  }

  /** A file's chunks in line order. */
  ofPath(path: string): Chunk[] {
    return this.s.ofPath.all(path).map(toChunk);
  }

  byId(id: number): Chunk | null {
    const row = this.s.byId.get(id);
    return row ? toChunk(row) : null;
  }

  /** Up to `limit` chunks spread evenly over the index by id (only of `kinds` when given), for fusion calibration. */
  sample(limit: number, kinds?: string[]): SampledChunk[] {
    const where = kinds ? `WHERE kind IN (${kinds.map(() => "?").join(",")})` : "";
    const ids = this.db.prepare<string[], { id: number }>(`SELECT id FROM chunks ${where} ORDER BY id`).all(...(kinds ?? [])).map((r) => r.id);
    const step = Math.max(1, ids.length / limit);
    const out: SampledChunk[] = [];
    for (let i = 0; i < ids.length && out.length < limit; i += step) {
      const row = this.s.sampleById.get(ids[Math.floor(i)]);
      if (row) out.push(row);
    }
    return out;
  }
}
