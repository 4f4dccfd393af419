import type { Chunk, SymbolLocation } from "../types.js";

// Row shapes the store's SQL returns, and their conversion to the index's public types.

export interface ChunkRow {
  id: number;
  path: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  kind: string;
  parent: string | null;
  language: string | null;
  text: string;
}

export interface SymbolRow {
  name: string;
  qualified: string;
  kind: string;
  path: string;
  start_line: number;
  end_line: number;
  parent: string | null;
}

export interface SymbolByIdRow extends SymbolRow {
  id: number;
  chunk_id: number | null;
}

export interface RefRow {
  file_id: number;
  path: string;
  uses: string;
}

/** One use of a name, as stored in refs.uses: its line, and the ordinals of its enclosing and local defining symbols. */
export interface Use {
  line: number;
  enclosing: number | null;
  def: number | null;
}

/** The columns toChunk reads, from chunks `c` joined with files `f`. */
export const CHUNK_COLUMNS = "c.id, f.path, c.start_line, c.end_line, c.symbol, c.kind, c.parent, f.language, c.text";

export function parseUses(uses: string): Use[] {
  return uses.split(";").map((triple) => {
    const [line, enclosing, def] = triple.split(",");
    return { line: Number(line), enclosing: enclosing ? Number(enclosing) : null, def: def ? Number(def) : null };
  });
}

export function toChunk(row: ChunkRow): Chunk {
  return {
    id: row.id, path: row.path, startLine: row.start_line, endLine: row.end_line, symbol: row.symbol, kind: row.kind,
    parent: row.parent, language: row.language, text: row.text,
  };
}

export function toSymbol(row: SymbolRow): SymbolLocation {
  return { name: row.name, kind: row.kind, path: row.path, startLine: row.start_line, endLine: row.end_line, parent: row.parent };
}

/** A stored vector blob as a Float32Array over its own (aligned) copy. */
export function toVector(blob: Buffer): Float32Array {
  const copy = new Uint8Array(blob);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

/** A vector as the blob stored in SQLite (no copy). */
export function toBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}
