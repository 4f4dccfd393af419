import type Database from "better-sqlite3";
import type { ReferenceLocation, SymbolLocation } from "../types.js";
import { parseUses, toSymbol, type RefRow, type SymbolByIdRow, type SymbolRow } from "./rows.js";

/** definitionChunks() reads this many rows per wanted chunk: rows without a chunk, or of another case, are dropped. */
const DEFINITION_OVERFETCH = 4;
/** callerChunks() reads the refs of at most this many files: enough to rank the heaviest callers. */
const CALLER_REF_FILES = 200;
/** Paths ending with a suffix: rows read before the exact-segment filter. */
const SUFFIX_MATCH_ROWS = 20;

/** Uses of one name grouped by the definition (file, symbol ordinal) whose body holds them. */
interface CallerCount {
  fileId: number;
  path: string;
  ordinal: number;
  uses: number;
}

/** The symbol graph: the symbols, refs and imports tables, and the file paths imports resolve against. */
export class SymbolGraph {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      symbolByOrdinal: db.prepare<[number, number], SymbolByIdRow>(
        `SELECT s.id, s.chunk_id, s.name, s.qualified, s.kind, f.path, s.start_line, s.end_line, s.parent
         FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.file_id = ? AND s.ordinal = ?`),
      symbolChunk: db.prepare<[number, number], { chunk_id: number | null; start_line: number }>(
        "SELECT chunk_id, start_line FROM symbols WHERE file_id = ? AND ordinal = ?"),
      definitions: db.prepare<[{ name: string }], SymbolRow>(
        `SELECT s.name, s.qualified, s.kind, f.path, s.start_line, s.end_line, s.parent FROM symbols s JOIN files f ON f.id = s.file_id
         WHERE s.name = @name COLLATE NOCASE AND s.name = @name ORDER BY f.path, s.start_line`),
      definitionPaths: db.prepare<[string, number], { chunk_id: number | null; name: string; path: string }>(
        "SELECT s.chunk_id, s.name, f.path FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.name = ? COLLATE NOCASE LIMIT ?"),
      definitionsNoCase: db.prepare<[string, number], { chunk_id: number | null; name: string }>(
        "SELECT chunk_id, name FROM symbols WHERE name = ? COLLATE NOCASE LIMIT ?"),
      references: db.prepare<[string], RefRow>(
        "SELECT r.file_id, f.path, r.uses FROM refs r JOIN files f ON f.id = r.file_id WHERE r.name = ? ORDER BY f.path"),
      callerRefs: db.prepare<[string, number], RefRow>(
        "SELECT r.file_id, f.path, r.uses FROM refs r JOIN files f ON f.id = r.file_id WHERE r.name = ? LIMIT ?"),
      importsOf: db.prepare<[string], { spec: string }>(
        "SELECT i.spec FROM imports i JOIN files f ON f.id = i.file_id WHERE f.path = ?"),
      pathExists: db.prepare<[string], { one: number }>("SELECT 1 AS one FROM files WHERE path = ?"),
      pathsLike: db.prepare<[string, number], { path: string }>("SELECT path FROM files WHERE path LIKE ? ESCAPE '\\' LIMIT ?"),
    };
  }

  definitions(name: string): SymbolLocation[] {
    return this.s.definitions.all({ name }).map(toSymbol);
  }

  /** Chunk ids of definitions named `name`, any case, exact-case matches first. */
  definitionChunks(name: string, limit: number): number[] {
    const rows = this.s.definitionsNoCase.all(name, limit * DEFINITION_OVERFETCH);
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

  /** Uses of `name` inside definitions, counted per definition, from the refs of at most `maxFiles` files. */
  private callerCounts(name: string, maxFiles: number): CallerCount[] {
    const counts = new Map<string, CallerCount>();
    for (const row of this.s.callerRefs.all(name, maxFiles)) {
      for (const use of parseUses(row.uses)) {
        if (use.enclosing === null) continue;
        const key = `${row.file_id}:${use.enclosing}`;
        const entry = counts.get(key);
        if (entry) entry.uses++;
        else counts.set(key, { fileId: row.file_id, path: row.path, ordinal: use.enclosing, uses: 1 });
      }
    }
    return [...counts.values()];
  }

  /** Definitions whose bodies use `name`, in path and line order. */
  callers(name: string): SymbolLocation[] {
    const symbol = this.symbolCache();
    const found: Array<{ row: SymbolByIdRow; uses: number }> = [];
    for (const { fileId, ordinal, uses } of this.callerCounts(name, Number.MAX_SAFE_INTEGER)) {
      const row = symbol(fileId, ordinal);
      if (row) found.push({ row, uses });
    }
    // Most uses first, then by place: the order ties keep in the final sort by place.
    found.sort((a, b) => b.uses - a.uses || a.row.path.localeCompare(b.row.path) || a.row.start_line - b.row.start_line);
    return found.map((c) => c.row).sort((a, b) => a.path.localeCompare(b.path) || a.start_line - b.start_line).map(toSymbol);
  }

  /**
   * Chunks of the definitions that use `name` most (most uses, then path, then line), from the refs of
   * CALLER_REF_FILES files. Uses and paths come with the refs rows, so symbols are looked up only for the leading
   * groups of equal (uses, path) until `limit` chunks are found, not for every caller.
   */
  callerChunks(name: string, limit: number): number[] {
    const order = this.callerCounts(name, CALLER_REF_FILES).sort((a, b) => b.uses - a.uses || a.path.localeCompare(b.path));
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
    return this.pathsLike(`%${escapeLike(suffix)}`).filter((p) => p === suffix || p.endsWith(`/${suffix}`));
  }

  /** Indexed paths directly inside a folder named `folder` or ending with `/folder`. */
  pathsInFolder(folder: string): string[] {
    return this.pathsLike(`%${escapeLike(folder)}/%`).filter((p) => {
      const dir = p.slice(0, Math.max(0, p.lastIndexOf("/")));
      return dir === folder || dir.endsWith(`/${folder}`);
    });
  }

  private pathsLike(pattern: string): string[] {
    return this.s.pathsLike.all(pattern, SUFFIX_MATCH_ROWS).map((r) => r.path);
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
