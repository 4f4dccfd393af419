import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import type { AcceptanceSnapshot } from "./AcceptanceStats.js";

export const ACCEPTANCE_DB = "completion-stats.sqlite";

/**
 * Shown/accepted completion events persisted in SQLite in the workspace cache, so `dhi doctor --json` (another
 * process) can report the acceptance rate. One row per completion id; nothing leaves the machine.
 */
export class AcceptanceStore {
  private readonly db: Database.Database;
  private readonly markShown: Database.Statement<[string, number]>;
  private readonly markAccepted: Database.Statement<[number, string]>;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.exec("CREATE TABLE IF NOT EXISTS completions (id TEXT PRIMARY KEY, shown_at INTEGER NOT NULL, accepted_at INTEGER)");
    this.markShown = this.db.prepare("INSERT OR IGNORE INTO completions (id, shown_at) VALUES (?, ?)");
    this.markAccepted = this.db.prepare("UPDATE completions SET accepted_at = COALESCE(accepted_at, ?) WHERE id = ?");
  }

  static inCacheDir(cacheDir: string): AcceptanceStore {
    return new AcceptanceStore(join(cacheDir, ACCEPTANCE_DB));
  }

  shown(id: string): void {
    this.markShown.run(id, Date.now());
  }

  accepted(id: string): void {
    // An accept implies a show, even when the client never reported one.
    this.markShown.run(id, Date.now());
    this.markAccepted.run(Date.now(), id);
  }

  snapshot(): AcceptanceSnapshot {
    const row = this.db.prepare("SELECT COUNT(*) AS shown, COUNT(accepted_at) AS accepted FROM completions").get() as { shown: number; accepted: number };
    return { shown: row.shown, accepted: row.accepted, rate: row.shown === 0 ? 0 : row.accepted / row.shown };
  }

  close(): void {
    this.db.close();
  }
}
