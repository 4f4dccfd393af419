import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { acceptanceId, acceptanceSnapshot, type AcceptanceSnapshot } from "./AcceptanceStats.js";

export const ACCEPTANCE_DB = "completion-stats.sqlite";

/**
 * Shown/accepted completion events persisted in SQLite in the workspace cache, so `dhi doctor --json` (another
 * process) can report the acceptance rate. One row per completion id; nothing leaves the machine.
 */
export class AcceptanceStore {
  private readonly db: Database.Database;
  private readonly markShown: Database.Statement<[string, number]>;
  private readonly markAccepted: Database.Statement<[number, string]>;
  private readonly markPartial: Database.Statement<[number, string]>;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.exec("CREATE TABLE IF NOT EXISTS completions (id TEXT PRIMARY KEY, shown_at INTEGER NOT NULL, accepted_at INTEGER)");
    // Added with partial accepts; databases from before lack the column.
    const columns = this.db.prepare("PRAGMA table_info(completions)").all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === "partial_length")) this.db.exec("ALTER TABLE completions ADD COLUMN partial_length INTEGER");
    this.markShown = this.db.prepare("INSERT OR IGNORE INTO completions (id, shown_at) VALUES (?, ?)");
    this.markAccepted = this.db.prepare("UPDATE completions SET accepted_at = COALESCE(accepted_at, ?) WHERE id = ?");
    this.markPartial = this.db.prepare("UPDATE completions SET partial_length = MAX(COALESCE(partial_length, 0), ?) WHERE id = ?");
  }

  static inCacheDir(cacheDir: string): AcceptanceStore {
    return new AcceptanceStore(join(cacheDir, ACCEPTANCE_DB));
  }

  shown(suggestion: string): void {
    this.markShown.run(acceptanceId(suggestion), Date.now());
  }

  accepted(suggestion: string): void {
    const id = acceptanceId(suggestion);
    // An accept implies a show, even when the client never reported one.
    this.markShown.run(id, Date.now());
    this.markAccepted.run(Date.now(), id);
  }

  /** Keeps the longest accepted part, in characters. */
  partiallyAccepted(suggestion: string, acceptedLength: number): void {
    const id = acceptanceId(suggestion);
    this.markShown.run(id, Date.now());
    this.markPartial.run(acceptedLength, id);
  }

  snapshot(): AcceptanceSnapshot {
    const row = this.db
      .prepare("SELECT COUNT(*) AS shown, COUNT(accepted_at) AS accepted, COUNT(CASE WHEN accepted_at IS NULL THEN partial_length END) AS partial FROM completions")
      .get() as { shown: number; accepted: number; partial: number };
    return acceptanceSnapshot(row.shown, row.accepted, row.partial);
  }

  close(): void {
    this.db.close();
  }
}
