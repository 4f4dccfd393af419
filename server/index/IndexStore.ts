import type Database from "better-sqlite3";
import type { PreparedFile } from "./prepareFile.js";
import { openDatabase } from "./schema.js";
import { ChunkReads } from "./store/ChunkReads.js";
import { consistencyProblems } from "./store/consistency.js";
import { FtsQueries } from "./store/FtsQueries.js";
import { MetaTable } from "./store/MetaTable.js";
import { SymbolGraph } from "./store/SymbolGraph.js";
import { VectorTable } from "./store/VectorTable.js";

export type { PendingChunk } from "./store/VectorTable.js";

export interface FileRecord {
  id: number;
  hash: string;
  mtime: number;
  size: number;
}

export interface IndexCounts {
  files: number;
  chunks: number;
  symbols: number;
  refs: number;
  vectors: number;
}

/**
 * The index database, kept private: reads and writes go through named operations per table group (meta, chunks,
 * graph, fts, vectors) and the whole-file writes here. One file's extraction is written (or removed) as a unit
 * inside the caller's transaction, so a crash never leaves a half-written file. Chunks whose content is unchanged
 * keep their id, so their FTS row and vector survive an edit.
 */
export class IndexStore {
  private readonly db: Database.Database;
  private readonly s;
  readonly meta: MetaTable;
  readonly chunks: ChunkReads;
  readonly graph: SymbolGraph;
  readonly fts: FtsQueries;
  readonly vectors: VectorTable;

  constructor(file: string) {
    this.db = openDatabase(file);
    const db = this.db;
    this.meta = new MetaTable(db);
    this.chunks = new ChunkReads(db);
    this.graph = new SymbolGraph(db);
    this.fts = new FtsQueries(db);
    this.vectors = new VectorTable(db, this.meta);
    this.s = {
      getFile: db.prepare<[string], FileRecord>("SELECT id, hash, mtime, size FROM files WHERE path = ?"),
      allFiles: db.prepare<[], FileRecord & { path: string }>("SELECT id, path, hash, mtime, size FROM files"),
      insertFile: db.prepare("INSERT INTO files(path, hash, mtime, size, language) VALUES (?, ?, ?, ?, ?)"),
      updateFile: db.prepare("UPDATE files SET hash = ?, mtime = ?, size = ?, language = ? WHERE id = ?"),
      touchFile: db.prepare("UPDATE files SET mtime = ?, size = ? WHERE id = ?"),
      deleteFile: db.prepare("DELETE FROM files WHERE id = ?"),
      fileChunks: db.prepare<[number], { id: number; hash: string; start_line: number; end_line: number }>(
        "SELECT id, hash, start_line, end_line FROM chunks WHERE file_id = ?"),
      insertChunk: db.prepare(
        "INSERT INTO chunks(file_id, start_line, end_line, symbol, kind, parent, hash, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      moveChunk: db.prepare("UPDATE chunks SET start_line = ?, end_line = ? WHERE id = ?"),
      deleteChunk: db.prepare("DELETE FROM chunks WHERE id = ?"),
      insertFts: db.prepare("INSERT INTO chunks_fts(rowid, symbols, body) VALUES (?, ?, ?)"),
      deleteFts: db.prepare("DELETE FROM chunks_fts WHERE rowid = ?"),
      deleteSymbols: db.prepare("DELETE FROM symbols WHERE file_id = ?"),
      insertSymbol: db.prepare(
        "INSERT INTO symbols(file_id, ordinal, name, qualified, kind, start_line, end_line, parent, chunk_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      deleteRefs: db.prepare("DELETE FROM refs WHERE file_id = ?"),
      insertRef: db.prepare("INSERT INTO refs(name, file_id, uses) VALUES (?, ?, ?)"),
      setRefCount: db.prepare("UPDATE files SET ref_count = ? WHERE id = ?"),
      deleteImports: db.prepare("DELETE FROM imports WHERE file_id = ?"),
      insertImport: db.prepare("INSERT INTO imports(file_id, spec) VALUES (?, ?)"),
      counts: db.prepare<[], IndexCounts>(
        `SELECT (SELECT count(*) FROM files) AS files, (SELECT count(*) FROM chunks) AS chunks,
         (SELECT count(*) FROM symbols) AS symbols, (SELECT coalesce(sum(ref_count), 0) FROM files) AS refs, (SELECT count(*) FROM vectors) AS vectors`),
    };
  }

  /** Runs `fn` in a transaction; inside an open bulk transaction it becomes a savepoint of it. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Whether a transaction (a bulk one, say) is open on this connection. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  /**
   * Opens a long write transaction for bulk indexing, spanning many event-loop turns. A crash rolls back to the
   * last commitBulk(), which keeps the index consistent; everything in between is whole files.
   */
  beginBulk(): void {
    if (!this.db.inTransaction) this.db.exec("BEGIN");
  }

  commitBulk(): void {
    if (this.db.inTransaction) this.db.exec("COMMIT");
  }

  rollbackBulk(): void {
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
  }

  getFile(path: string): FileRecord | undefined {
    return this.s.getFile.get(path);
  }

  allFiles(): Map<string, FileRecord> {
    return new Map(this.s.allFiles.all().map((r) => [r.path, { id: r.id, hash: r.hash, mtime: r.mtime, size: r.size }]));
  }

  touchFile(id: number, mtime: number, size: number): void {
    this.s.touchFile.run(mtime, size, id);
  }

  /** Replaces a file's rows with `file`; returns the HNSW labels of vectors that went away. Call inside a transaction. */
  writeFile(path: string, hash: string, mtime: number, size: number, file: PreparedFile): number[] {
    const s = this.s;
    const { extraction, chunks: prepared } = file;
    const existing = s.getFile.get(path);
    let fileId: number;
    if (existing) {
      fileId = existing.id;
      s.updateFile.run(hash, mtime, size, extraction.language, fileId);
    } else {
      fileId = Number(s.insertFile.run(path, hash, mtime, size, extraction.language).lastInsertRowid);
    }
    const reusable = new Map<string, Array<{ id: number; start_line: number; end_line: number }>>();
    if (existing) {
      for (const row of s.fileChunks.all(fileId)) {
        const list = reusable.get(row.hash);
        if (list) list.push(row);
        else reusable.set(row.hash, [row]);
      }
    }
    const chunkIds: number[] = [];
    extraction.chunks.forEach((chunk, i) => {
      const { hash, ftsSymbols, ftsParts } = prepared[i];
      const old = reusable.get(hash)?.shift();
      if (old) {
        if (old.start_line !== chunk.startLine || old.end_line !== chunk.endLine) s.moveChunk.run(chunk.startLine, chunk.endLine, old.id);
        chunkIds.push(old.id);
        return;
      }
      const id = Number(s.insertChunk.run(fileId, chunk.startLine, chunk.endLine, chunk.symbol, chunk.kind, chunk.parent, hash, chunk.text).lastInsertRowid);
      s.insertFts.run(id, ftsSymbols, `${chunk.text}\n${ftsParts}`);
      chunkIds.push(id);
    });
    const removed: number[] = [];
    for (const rows of reusable.values()) for (const row of rows) removed.push(...this.deleteChunk(row.id));

    s.deleteSymbols.run(fileId);
    for (const [i, sym] of extraction.symbols.entries()) {
      const chunkIndex = file.symbolChunks[i];
      s.insertSymbol.run(fileId, i, sym.name, sym.qualified, sym.kind, sym.startLine, sym.endLine, sym.parent,
        chunkIndex === -1 ? null : chunkIds[chunkIndex]);
    }
    s.deleteRefs.run(fileId);
    for (const { name, uses } of file.refGroups) s.insertRef.run(name, fileId, uses);
    s.setRefCount.run(file.refCount, fileId);
    s.deleteImports.run(fileId);
    for (const spec of new Set(extraction.imports)) s.insertImport.run(fileId, spec);
    return removed;
  }

  private deleteChunk(id: number): number[] {
    this.s.deleteChunk.run(id);
    this.s.deleteFts.run(id);
    const label = this.vectors.removeOfChunk(id);
    return label === null ? [] : [label];
  }

  /** Removes a file and everything derived from it; returns the HNSW labels that went away. Call inside a transaction. */
  removeFile(path: string): number[] {
    const file = this.s.getFile.get(path);
    if (!file) return [];
    const removed: number[] = [];
    for (const row of this.s.fileChunks.all(file.id)) removed.push(...this.deleteChunk(row.id));
    this.s.deleteSymbols.run(file.id);
    this.s.deleteRefs.run(file.id);
    this.s.deleteImports.run(file.id);
    this.s.deleteFile.run(file.id);
    return removed;
  }

  /** Empties every table but meta (a rebuild); returns the HNSW labels that went away. Call inside a transaction. */
  removeAll(): number[] {
    this.db.exec(`DELETE FROM files; DELETE FROM chunks; DELETE FROM symbols; DELETE FROM refs; DELETE FROM imports;
      INSERT INTO chunks_fts(chunks_fts) VALUES('delete-all');`);
    const labels = this.vectors.clear();
    this.vectors.bumpVersion();
    return labels;
  }

  /**
   * How long a statement waits, blocking its thread, while another connection (the update process, another dhi on
   * the same workspace) holds the write lock; 5 s from openDatabase. The server's connection keeps it short and
   * retries on its own schedule instead.
   */
  setBusyTimeout(ms: number): void {
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
  }

  /** The database file. */
  get file(): string {
    return this.db.name;
  }

  counts(): IndexCounts {
    return this.s.counts.get() ?? { files: 0, chunks: 0, symbols: 0, refs: 0, vectors: 0 };
  }

  /** Problems that would mean a torn write: empty when the database is consistent. */
  consistencyProblems(): string[] {
    return consistencyProblems(this.db);
  }

  get isClosed(): boolean {
    return !this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Another connection holds the database's write lock (SQLITE_BUSY, or a read snapshot it made stale). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}
