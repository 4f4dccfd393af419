import type Database from "better-sqlite3";

const ORPHAN_CHECKS: Array<[string, string]> = [
  ["chunks without a file", "SELECT count(*) FROM chunks WHERE file_id NOT IN (SELECT id FROM files)"],
  ["symbols without a file", "SELECT count(*) FROM symbols WHERE file_id NOT IN (SELECT id FROM files)"],
  ["refs without a file", "SELECT count(*) FROM refs WHERE file_id NOT IN (SELECT id FROM files)"],
  ["imports without a file", "SELECT count(*) FROM imports WHERE file_id NOT IN (SELECT id FROM files)"],
  ["vectors without a chunk", "SELECT count(*) FROM vectors WHERE chunk_id NOT IN (SELECT id FROM chunks)"],
  ["symbols pointing at a missing chunk", "SELECT count(*) FROM symbols WHERE chunk_id IS NOT NULL AND chunk_id NOT IN (SELECT id FROM chunks)"],
];

/** Problems that would mean a torn write: empty when the database is consistent. */
export function consistencyProblems(db: Database.Database): string[] {
  const problems: string[] = [];
  const integrity = db.pragma("integrity_check", { simple: true });
  if (integrity !== "ok") problems.push(`integrity_check: ${String(integrity)}`);
  const count = (sql: string): number => (db.prepare(sql).pluck().get() as number) ?? 0;
  for (const [what, sql] of ORPHAN_CHECKS) {
    const n = count(sql);
    if (n > 0) problems.push(`${n} ${what}`);
  }
  const fts = count("SELECT count(*) FROM chunks_fts");
  const chunks = count("SELECT count(*) FROM chunks");
  if (fts !== chunks) problems.push(`FTS has ${fts} rows for ${chunks} chunks`);
  return problems;
}
