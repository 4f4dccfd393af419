import type Database from "better-sqlite3";
import type { PreparedFile } from "./prepareFile.js";
import { openDatabase } from "./schema.js";
import type { Chunk, ReferenceLocation, SymbolLocation } from "./types.js";

export interface FileRecord {
  id: number;
  hash: string;
  mtime: number;
  size: number;
}

interface ChunkRow {
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

interface SymbolRow {
  name: string;
  qualified: string;
  kind: string;
  path: string;
  start_line: number;
  end_line: number;
  parent: string | null;
}

interface RefRow {
  file_id: number;
  path: string;
  uses: string;
}

interface Use {
  line: number;
  enclosing: number | null;
  def: number | null;
}

function parseUses(uses: string): Use[] {
  return uses.split(";").map((triple) => {
    const [line, enclosing, def] = triple.split(",");
    return { line: Number(line), enclosing: enclosing ? Number(enclosing) : null, def: def ? Number(def) : null };
  });
}

interface SymbolByIdRow extends SymbolRow {
  id: number;
  chunk_id: number | null;
}

export interface PendingChunk {
  id: number;
  text: string;
}

const CHUNK_COLUMNS = "c.id, f.path, c.start_line, c.end_line, c.symbol, c.kind, c.parent, f.language, c.text";

function toChunk(row: ChunkRow): Chunk {
  return {
    id: row.id, path: row.path, startLine: row.start_line, endLine: row.end_line, symbol: row.symbol, kind: row.kind,
    parent: row.parent, language: row.language, text: row.text,
  };
}

function toSymbol(row: SymbolRow): SymbolLocation {
  return { name: row.name, kind: row.kind, path: row.path, startLine: row.start_line, endLine: row.end_line, parent: row.parent };
}

/**
 * All SQL of the index: one file's extraction is written (or removed) as a unit inside the caller's
 * transaction, so a crash never leaves a half-written file. Chunks whose content is unchanged keep their id,
 * so their FTS row and vector survive an edit.
 */
const VECTOR_VERSION = "vec_version";

export class IndexStore {
  readonly db: Database.Database;
  private readonly s;

  constructor(file: string) {
    this.db = openDatabase(file);
    const db = this.db;
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
      vectorOf: db.prepare<[number], { label: number }>("SELECT label FROM vectors WHERE chunk_id = ?"),
      deleteVector: db.prepare("DELETE FROM vectors WHERE chunk_id = ?"),
      deleteSymbols: db.prepare("DELETE FROM symbols WHERE file_id = ?"),
      insertSymbol: db.prepare(
        "INSERT INTO symbols(file_id, ordinal, name, qualified, kind, start_line, end_line, parent, chunk_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      deleteRefs: db.prepare("DELETE FROM refs WHERE file_id = ?"),
      insertRef: db.prepare("INSERT INTO refs(name, file_id, uses) VALUES (?, ?, ?)"),
      setRefCount: db.prepare("UPDATE files SET ref_count = ? WHERE id = ?"),
      symbolByOrdinal: db.prepare<[number, number], SymbolByIdRow>(
        `SELECT s.id, s.chunk_id, s.name, s.qualified, s.kind, f.path, s.start_line, s.end_line, s.parent
         FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.file_id = ? AND s.ordinal = ?`),
      symbolChunk: db.prepare<[number, number], { chunk_id: number | null; start_line: number }>(
        "SELECT chunk_id, start_line FROM symbols WHERE file_id = ? AND ordinal = ?"),
      deleteImports: db.prepare("DELETE FROM imports WHERE file_id = ?"),
      insertImport: db.prepare("INSERT INTO imports(file_id, spec) VALUES (?, ?)"),
      getMeta: db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
      setMeta: db.prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
      chunksOf: db.prepare<[string], ChunkRow>(
        `SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path = ? ORDER BY c.start_line`),
      chunkById: db.prepare<[number], ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id = ?`),
      definitions: db.prepare<[{ name: string }], SymbolRow>(
        `SELECT s.name, s.qualified, s.kind, f.path, s.start_line, s.end_line, s.parent FROM symbols s JOIN files f ON f.id = s.file_id
         WHERE s.name = @name COLLATE NOCASE AND s.name = @name ORDER BY f.path, s.start_line`),
      definitionPaths: db.prepare<[string, number], { chunk_id: number | null; name: string; path: string }>(
        "SELECT s.chunk_id, s.name, f.path FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.name = ? COLLATE NOCASE LIMIT ?"),
      definitionsNoCase: db.prepare<[string, number], { chunk_id: number | null; name: string }>(
        "SELECT chunk_id, name FROM symbols WHERE name = ? COLLATE NOCASE LIMIT ?"),
      references: db.prepare<[string], RefRow>(
        "SELECT r.file_id, f.path, r.uses FROM refs r JOIN files f ON f.id = r.file_id WHERE r.name = ? ORDER BY f.path"),
      importsOf: db.prepare<[string], { spec: string }>(
        "SELECT i.spec FROM imports i JOIN files f ON f.id = i.file_id WHERE f.path = ?"),
      pathExists: db.prepare<[string], { one: number }>("SELECT 1 AS one FROM files WHERE path = ?"),
      pathsEndingWith: db.prepare<[string], { path: string }>("SELECT path FROM files WHERE path LIKE ? ESCAPE '\\' LIMIT 20"),
      fts: db.prepare<[number, string, number], { id: number; score: number }>(
        "SELECT rowid AS id, bm25(chunks_fts, ?, 1.0) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?"),
      ftsUnranked: db.prepare<[string, number], { id: number }>("SELECT rowid AS id FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?"),
      docFreq: db.prepare<[string, number], { n: number }>(
        "SELECT count(*) AS n FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)"),
      callerRefs: db.prepare<[string, number], RefRow>(
        "SELECT r.file_id, f.path, r.uses FROM refs r JOIN files f ON f.id = r.file_id WHERE r.name = ? LIMIT ?"),
      pending: db.prepare<[number, number], PendingChunk>(
        `SELECT c.id, c.text FROM chunks c WHERE c.id > ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id)
         ORDER BY c.id LIMIT ?`),
      pendingCount: db.prepare<[number], { n: number }>(
        "SELECT count(*) AS n FROM chunks c WHERE c.id > ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.chunk_id = c.id)"),
      insertVector: db.prepare("INSERT INTO vectors(chunk_id, vector) VALUES (?, ?)"),
      chunkExists: db.prepare<[number], { one: number }>("SELECT 1 AS one FROM chunks WHERE id = ?"),
      allVectors: db.prepare<[], { label: number; vector: Buffer }>("SELECT label, vector FROM vectors"),
      vectorLabels: db.prepare<[], { label: number }>("SELECT label FROM vectors"),
      vectorByLabel: db.prepare<[number], { vector: Buffer }>("SELECT vector FROM vectors WHERE label = ?"),
      chunkOfLabel: db.prepare<[number], { chunk_id: number }>("SELECT chunk_id FROM vectors WHERE label = ?"),
      chunkCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM chunks"),
      counts: db.prepare<[], { files: number; chunks: number; symbols: number; refs: number; vectors: number }>(
        `SELECT (SELECT count(*) FROM files) AS files, (SELECT count(*) FROM chunks) AS chunks,
         (SELECT count(*) FROM symbols) AS symbols, (SELECT coalesce(sum(ref_count), 0) FROM files) AS refs, (SELECT count(*) FROM vectors) AS vectors`),
    };
  }

  /** Runs `fn` in a transaction; inside an open bulk transaction it becomes a savepoint of it. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
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
    const vector = this.s.vectorOf.get(id);
    this.s.deleteChunk.run(id);
    this.s.deleteFts.run(id);
    if (!vector) return [];
    this.s.deleteVector.run(id);
    return [vector.label];
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

  getMeta(key: string): string | null {
    return this.s.getMeta.get(key)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }

  chunksOf(path: string): Chunk[] {
    return this.s.chunksOf.all(path).map(toChunk);
  }

  chunk(id: number): Chunk | null {
    const row = this.s.chunkById.get(id);
    return row ? toChunk(row) : null;
  }

  definitions(name: string): SymbolLocation[] {
    return this.s.definitions.all({ name }).map(toSymbol);
  }

  /** Chunk ids of definitions named `name`, any case, exact-case matches first. */
  definitionChunks(name: string, limit: number): number[] {
    const rows = this.s.definitionsNoCase.all(name, limit * 4);
    rows.sort((a, b) => Number(b.name === name) - Number(a.name === name));
    const ids: number[] = [];
    for (const r of rows) if (r.chunk_id !== null && !ids.includes(r.chunk_id)) ids.push(r.chunk_id);
    return ids.slice(0, limit);
  }

  /** Exact-case definitions of `name` with their chunk and file, at most `limit` (in no particular order). */
  definitionsWithPaths(name: string, limit: number): Array<{ chunkId: number; path: string }> {
    const out: Array<{ chunkId: number; path: string }> = [];
    for (const r of this.s.definitionPaths.all(name, limit)) if (r.name === name && r.chunk_id !== null) out.push({ chunkId: r.chunk_id, path: r.path });
    return out;
  }

  /** Looks symbols up by (file, ordinal), caching within one query. */
  private symbolCache(): (fileId: number, ordinal: number | null) => SymbolByIdRow | null {
    const cache = new Map<string, SymbolByIdRow | null>();
    return (fileId, ordinal) => {
      if (ordinal === null) return null;
      const key = `${fileId}:${ordinal}`;
      let row = cache.get(key);
      if (row === undefined) cache.set(key, (row = this.s.symbolByOrdinal.get(fileId, ordinal) ?? null));
      return row;
    };
  }

  /** Uses of `name`; `importsOf` lets a use without a same-file definition link to one in an imported file. */
  references(name: string, importsOf: (path: string) => string[]): ReferenceLocation[] {
    const defs = this.s.definitions.all({ name });
    const symbol = this.symbolCache();
    const out: ReferenceLocation[] = [];
    for (const row of this.s.references.all(name)) {
      let imported: Set<string> | null = null;
      for (const use of parseUses(row.uses)) {
        let definition: ReferenceLocation["definition"] = null;
        const local = symbol(row.file_id, use.def);
        if (local) definition = { path: local.path, line: local.start_line, qualified: local.qualified };
        else if (defs.length > 0) {
          imported ??= new Set(importsOf(row.path));
          const files = imported;
          const candidates = defs.filter((d) => files.has(d.path));
          const pick = candidates.length === 1 ? candidates[0] : defs.length === 1 ? defs[0] : null;
          if (pick) definition = { path: pick.path, line: pick.start_line, qualified: pick.qualified };
        }
        out.push({ name, path: row.path, line: use.line, enclosingSymbol: symbol(row.file_id, use.enclosing)?.qualified ?? null, definition });
      }
    }
    return out;
  }

  /** Definitions whose bodies use `name`, each with how many lines use it; most uses first. `maxFiles` bounds the work. */
  private callerCounts(name: string, maxFiles = Number.MAX_SAFE_INTEGER): Array<{ symbol: SymbolByIdRow; uses: number }> {
    const symbol = this.symbolCache();
    const counts = new Map<string, { fileId: number; ordinal: number; uses: number }>();
    for (const row of this.s.callerRefs.all(name, maxFiles)) {
      for (const use of parseUses(row.uses)) {
        if (use.enclosing === null) continue;
        const key = `${row.file_id}:${use.enclosing}`;
        const entry = counts.get(key);
        if (entry) entry.uses++;
        else counts.set(key, { fileId: row.file_id, ordinal: use.enclosing, uses: 1 });
      }
    }
    const out: Array<{ symbol: SymbolByIdRow; uses: number }> = [];
    for (const { fileId, ordinal, uses } of counts.values()) {
      const row = symbol(fileId, ordinal);
      if (row) out.push({ symbol: row, uses });
    }
    return out.sort((a, b) => b.uses - a.uses || a.symbol.path.localeCompare(b.symbol.path) || a.symbol.start_line - b.symbol.start_line);
  }

  callers(name: string): SymbolLocation[] {
    return this.callerCounts(name)
      .map((c) => c.symbol)
      .sort((a, b) => a.path.localeCompare(b.path) || a.start_line - b.start_line)
      .map(toSymbol);
  }

  /**
   * Chunks of the definitions that use `name` most: the first chunks of callerCounts(name, 200), in its order
   * (most uses, then path, then line). Uses and paths come with the refs rows, so symbols are looked up only for
   * the leading groups of equal (uses, path) until `limit` chunks are found, not for every caller.
   */
  callerChunks(name: string, limit: number): number[] {
    const counts = new Map<string, { fileId: number; path: string; ordinal: number; uses: number }>();
    for (const row of this.s.callerRefs.all(name, 200)) {
      for (const use of parseUses(row.uses)) {
        if (use.enclosing === null) continue;
        const key = `${row.file_id}:${use.enclosing}`;
        const entry = counts.get(key);
        if (entry) entry.uses++;
        else counts.set(key, { fileId: row.file_id, path: row.path, ordinal: use.enclosing, uses: 1 });
      }
    }
    const order = [...counts.values()].sort((a, b) => b.uses - a.uses || a.path.localeCompare(b.path));
    const ids: number[] = [];
    for (let i = 0; i < order.length && ids.length < limit;) {
      let j = i + 1;
      while (j < order.length && order[j].uses === order[i].uses && order[j].path.localeCompare(order[i].path) === 0) j++;
      const group: Array<{ chunk_id: number | null; start_line: number }> = [];
      for (let g = i; g < j; g++) {
        const row = this.s.symbolChunk.get(order[g].fileId, order[g].ordinal);
        if (row) group.push(row);
      }
      group.sort((a, b) => a.start_line - b.start_line);
      for (const row of group) {
        if (row.chunk_id !== null && !ids.includes(row.chunk_id)) ids.push(row.chunk_id);
        if (ids.length >= limit) break;
      }
      i = j;
    }
    return ids;
  }

  importSpecs(path: string): string[] {
    return this.s.importsOf.all(path).map((r) => r.spec);
  }

  hasPath(path: string): boolean {
    return this.s.pathExists.get(path) !== undefined;
  }

  /** Indexed paths ending with `/suffix` (or equal to it). */
  pathsEndingWith(suffix: string): string[] {
    const escaped = suffix.replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.s.pathsEndingWith.all(`%${escaped}`).map((r) => r.path).filter((p) => p === suffix || p.endsWith(`/${suffix}`));
  }

  /** Indexed paths directly inside a folder named `folder` or ending with `/folder`. */
  pathsInFolder(folder: string): string[] {
    const escaped = folder.replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.s.pathsEndingWith.all(`%${escaped}/%`).map((r) => r.path).filter((p) => {
      const dir = p.slice(0, Math.max(0, p.lastIndexOf("/")));
      return dir === folder || dir.endsWith(`/${folder}`);
    });
  }

  /** How many chunks match `match`, counting no further than `cap` (cheap for common words). */
  documentFrequency(match: string, cap: number): number {
    return this.s.docFreq.get(match, cap)?.n ?? 0;
  }

  /** bm25 over chunk text and symbol names (`symbolWeight` against the body's 1); `match` is an FTS5 query. Best first. */
  fts(match: string, limit: number, symbolWeight: number): Array<{ id: number; score: number }> {
    return this.s.fts.all(symbolWeight, match, limit);
  }

  /** Chunks matching `match` in index order, without ranking: cheap however many chunks match. */
  ftsUnranked(match: string, limit: number): number[] {
    return this.s.ftsUnranked.all(match, limit).map((r) => r.id);
  }

  /** Chunks without a vector, in id order after `afterId`. */
  pendingChunks(afterId: number, limit: number): PendingChunk[] {
    return this.s.pending.all(afterId, limit);
  }

  /** How many chunks after `afterId` have no vector yet. */
  pendingChunkCount(afterId: number): number {
    return this.s.pendingCount.get(afterId)?.n ?? 0;
  }

  /** Stores vectors of chunks that still exist; returns [label, vector] of the stored ones. Call inside a transaction. */
  addVectors(items: Array<{ chunkId: number; vector: Float32Array }>): Array<{ label: number; vector: Float32Array }> {
    const out: Array<{ label: number; vector: Float32Array }> = [];
    for (const { chunkId, vector } of items) {
      if (!this.s.chunkExists.get(chunkId) || this.s.vectorOf.get(chunkId)) continue;
      const blob = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
      out.push({ label: Number(this.s.insertVector.run(chunkId, blob).lastInsertRowid), vector });
    }
    return out;
  }

  *allVectors(): Generator<{ label: number; vector: Float32Array }> {
    for (const row of this.s.allVectors.iterate()) yield { label: row.label, vector: toVector(row.vector) };
  }

  /** Every stored vector's HNSW label (no vector data: cheap next to allVectors). */
  vectorLabels(): number[] {
    return this.s.vectorLabels.all().map((r) => r.label);
  }

  vectorByLabel(label: number): Float32Array | null {
    const row = this.s.vectorByLabel.get(label);
    return row ? toVector(row.vector) : null;
  }

  /** The stored vector of a chunk (for fusion calibration); null when it has none. */
  vectorOfChunk(chunkId: number): Float32Array | null {
    const row = this.db.prepare<[number], { vector: Buffer }>("SELECT vector FROM vectors WHERE chunk_id = ?").get(chunkId);
    return row ? toVector(row.vector) : null;
  }

  /** Up to `limit` chunks spread evenly over the index by id (only of `kinds` when given), for fusion calibration. */
  sampleChunks(limit: number, kinds?: string[]): Array<{ id: number; kind: string; symbol: string | null; text: string }> {
    const where = kinds ? `WHERE kind IN (${kinds.map(() => "?").join(",")})` : "";
    const ids = this.db.prepare<string[], { id: number }>(`SELECT id FROM chunks ${where} ORDER BY id`).all(...(kinds ?? [])).map((r) => r.id);
    const step = Math.max(1, ids.length / limit);
    const byId = this.db.prepare<[number], { id: number; kind: string; symbol: string | null; text: string }>("SELECT id, kind, symbol, text FROM chunks WHERE id = ?");
    const out: Array<{ id: number; kind: string; symbol: string | null; text: string }> = [];
    for (let i = 0; i < ids.length && out.length < limit; i += step) {
      const row = byId.get(ids[Math.floor(i)]);
      if (row) out.push(row);
    }
    return out;
  }

  clearVectors(): void {
    this.db.exec("DELETE FROM vectors");
  }

  chunkOfLabel(label: number): number | null {
    return this.s.chunkOfLabel.get(label)?.chunk_id ?? null;
  }

  /**
   * The vector version: every change to the vectors table bumps it in the same transaction, so the HNSW file
   * (which records the version it was saved at) can tell whether it is current.
   */
  vectorVersion(): string {
    return this.getMeta(VECTOR_VERSION) ?? "0";
  }

  /** Call inside the transaction that changed vectors. */
  bumpVectorVersion(): void {
    this.setMeta(VECTOR_VERSION, String(Number(this.vectorVersion()) + 1));
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

  chunkCount(): number {
    return this.s.chunkCount.get()?.n ?? 0;
  }

  counts(): { files: number; chunks: number; symbols: number; refs: number; vectors: number } {
    return this.s.counts.get() ?? { files: 0, chunks: 0, symbols: 0, refs: 0, vectors: 0 };
  }

  /** Problems that would mean a torn write: empty when the database is consistent. */
  consistencyProblems(): string[] {
    const problems: string[] = [];
    const integrity = this.db.pragma("integrity_check", { simple: true });
    if (integrity !== "ok") problems.push(`integrity_check: ${String(integrity)}`);
    const count = (sql: string): number => (this.db.prepare(sql).pluck().get() as number) ?? 0;
    const checks: Array<[string, string]> = [
      ["chunks without a file", "SELECT count(*) FROM chunks WHERE file_id NOT IN (SELECT id FROM files)"],
      ["symbols without a file", "SELECT count(*) FROM symbols WHERE file_id NOT IN (SELECT id FROM files)"],
      ["refs without a file", "SELECT count(*) FROM refs WHERE file_id NOT IN (SELECT id FROM files)"],
      ["imports without a file", "SELECT count(*) FROM imports WHERE file_id NOT IN (SELECT id FROM files)"],
      ["vectors without a chunk", "SELECT count(*) FROM vectors WHERE chunk_id NOT IN (SELECT id FROM chunks)"],
      ["symbols pointing at a missing chunk", "SELECT count(*) FROM symbols WHERE chunk_id IS NOT NULL AND chunk_id NOT IN (SELECT id FROM chunks)"],
    ];
    for (const [what, sql] of checks) {
      const n = count(sql);
      if (n > 0) problems.push(`${n} ${what}`);
    }
    const fts = count("SELECT count(*) FROM chunks_fts");
    const chunks = count("SELECT count(*) FROM chunks");
    if (fts !== chunks) problems.push(`FTS has ${fts} rows for ${chunks} chunks`);
    return problems;
  }

  get isClosed(): boolean {
    return !this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** A stored vector blob as a Float32Array over its own (aligned) copy. */
function toVector(blob: Buffer): Float32Array {
  const copy = new Uint8Array(blob);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

/** Another connection holds the database's write lock (SQLITE_BUSY, or a read snapshot it made stale). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}
