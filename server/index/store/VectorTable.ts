import type Database from "better-sqlite3";
import type { MetaTable } from "./MetaTable.js";
import { toBlob, toVector } from "./rows.js";

export interface PendingChunk {
  id: number;
  text: string;
}

/** Meta key of the vector version (see VectorTable.version). */
const VECTOR_VERSION = "vec_version";

/**
 * The vectors table: one embedding per chunk, keyed by the HNSW label SQLite assigns (labels only grow, never
 * reused). SQLite is the vectors' source of truth; VectorIndex mirrors them in the HNSW file.
 */
export class VectorTable {
  private readonly s;

  constructor(db: Database.Database, private readonly meta: MetaTable) {
    this.s = {
      pending: db.prepare<[number, number], PendingChunk>(
        `SELECT c.id, c.text FROM chunks c WHERE c.id > ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id)
         ORDER BY c.id LIMIT ?`),
      pendingCount: db.prepare<[number], { n: number }>(
        "SELECT count(*) AS n FROM chunks c WHERE c.id > ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id)"),
      insert: db.prepare("INSERT INTO vectors(chunk_id, vector) VALUES (?, ?)"),
      chunkExists: db.prepare<[number], { one: number }>("SELECT 1 AS one FROM chunks WHERE id = ?"),
      labelOfChunk: db.prepare<[number], { label: number }>("SELECT label FROM vectors WHERE chunk_id = ?"),
      deleteOfChunk: db.prepare("DELETE FROM vectors WHERE chunk_id = ?"),
      all: db.prepare<[], { label: number; vector: Buffer }>("SELECT label, vector FROM vectors"),
      labels: db.prepare<[], { label: number }>("SELECT label FROM vectors"),
      byLabel: db.prepare<[number], { vector: Buffer }>("SELECT vector FROM vectors WHERE label = ?"),
      ofChunk: db.prepare<[number], { vector: Buffer }>("SELECT vector FROM vectors WHERE chunk_id = ?"),
      chunkOfLabel: db.prepare<[number], { chunk_id: number }>("SELECT chunk_id FROM vectors WHERE label = ?"),
      clear: db.prepare("DELETE FROM vectors"),
    };
  }

  /** Chunks without a vector, in id order after `afterId`. */
  pendingChunks(afterId: number, limit: number): PendingChunk[] {
    return this.s.pending.all(afterId, limit);
  }

  /** How many chunks after `afterId` have no vector yet. */
  pendingCount(afterId: number): number {
    return this.s.pendingCount.get(afterId)?.n ?? 0;
  }

  /** Stores vectors of chunks that still exist; returns [label, vector] of the stored ones. Call inside a transaction. */
  add(items: Array<{ chunkId: number; vector: Float32Array }>): Array<{ label: number; vector: Float32Array }> {
    const out: Array<{ label: number; vector: Float32Array }> = [];
    for (const { chunkId, vector } of items) {
      if (!this.s.chunkExists.get(chunkId) || this.s.labelOfChunk.get(chunkId)) continue;
      out.push({ label: Number(this.s.insert.run(chunkId, toBlob(vector)).lastInsertRowid), vector });
    }
    return out;
  }

  /** Deletes a chunk's vector; returns its HNSW label, or null when it had none. Part of deleting the chunk. */
  removeOfChunk(chunkId: number): number | null {
    const row = this.s.labelOfChunk.get(chunkId);
    if (!row) return null;
    this.s.deleteOfChunk.run(chunkId);
    return row.label;
  }

  *all(): Generator<{ label: number; vector: Float32Array }> {
    for (const row of this.s.all.iterate()) yield { label: row.label, vector: toVector(row.vector) };
  }

  /** Every stored vector's HNSW label (no vector data: cheap next to all()). */
  labels(): number[] {
    return this.s.labels.all().map((r) => r.label);
  }

  byLabel(label: number): Float32Array | null {
    const row = this.s.byLabel.get(label);
    return row ? toVector(row.vector) : null;
  }

  /** The stored vector of a chunk (for fusion calibration); null when it has none. */
  ofChunk(chunkId: number): Float32Array | null {
    const row = this.s.ofChunk.get(chunkId);
    return row ? toVector(row.vector) : null;
  }

  chunkOfLabel(label: number): number | null {
    return this.s.chunkOfLabel.get(label)?.chunk_id ?? null;
  }

  /** Deletes every vector; returns their labels. Call inside a transaction, with bumpVersion(). */
  clear(): number[] {
    const labels = this.labels();
    this.s.clear.run();
    return labels;
  }

  /**
   * The vector version: every change to the vectors table bumps it in the same transaction, so the HNSW file
   * (which records the version it was saved at) can tell whether it is current.
   */
  version(): string {
    return this.meta.get(VECTOR_VERSION) ?? "0";
  }

  /** Call inside the transaction that changed vectors. */
  bumpVersion(): void {
    this.meta.set(VECTOR_VERSION, String(Number(this.version()) + 1));
  }
}
