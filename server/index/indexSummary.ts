import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

/** What a workspace's index holds, read without opening it for writing (for `dhi doctor`). */
export interface IndexSummary {
  files: number;
  chunks: number;
  symbols: number;
  embeddings: number;
}

/** The summary of the index in `cacheDir`, or null when none was built there. Throws on an unreadable database. */
export function readIndexSummary(cacheDir: string): IndexSummary | null {
  const file = join(cacheDir, "index.db");
  if (!existsSync(file)) return null;
  // Read-only and without migrations: a running server may be writing, and an older schema is still worth a count.
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string): number => (db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number) ?? 0;
    return { files: count("files"), chunks: count("chunks"), symbols: count("symbols"), embeddings: count("vectors") };
  } finally {
    db.close();
  }
}
