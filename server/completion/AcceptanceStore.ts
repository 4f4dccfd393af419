import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import type { AcceptanceSnapshot } from "./AcceptanceStats.js";
import type { RequestSpeculation } from "./types.js";

export const ACCEPTANCE_DB = "completion-stats.sqlite";

/** Speculative decoding summed over the requests of one draft kind. */
export interface SpeculationTotals {
  requests: number;
  drafted: number;
  accepted: number;
  /** accepted / drafted, 0 when nothing was drafted. */
  acceptanceRate: number;
  targetPasses: number;
}

/**
 * Shown/accepted completion events persisted in SQLite in the workspace cache, so `dhi doctor --json` (another
 * process) can report the acceptance rate. One row per completion id; nothing leaves the machine.
 */
export class AcceptanceStore {
  private readonly db: Database.Database;
  private readonly markShown: Database.Statement<[string, number]>;
  private readonly markAccepted: Database.Statement<[number, string]>;
  private readonly addSpeculation: Database.Statement<[RequestSpeculation]>;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.exec("CREATE TABLE IF NOT EXISTS completions (id TEXT PRIMARY KEY, shown_at INTEGER NOT NULL, accepted_at INTEGER)");
    this.markShown = this.db.prepare("INSERT OR IGNORE INTO completions (id, shown_at) VALUES (?, ?)");
    this.markAccepted = this.db.prepare("UPDATE completions SET accepted_at = COALESCE(accepted_at, ?) WHERE id = ?");
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS speculation (kind TEXT PRIMARY KEY, requests INTEGER NOT NULL, drafted INTEGER NOT NULL, accepted INTEGER NOT NULL, target_passes INTEGER NOT NULL)",
    );
    this.addSpeculation = this.db.prepare(
      "INSERT INTO speculation VALUES (@kind, 1, @drafted, @accepted, @targetPasses) ON CONFLICT(kind) DO UPDATE SET " +
        "requests = requests + 1, drafted = drafted + @drafted, accepted = accepted + @accepted, target_passes = target_passes + @targetPasses",
    );
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

  /** Adds one generation's speculative decoding to its kind's totals (plain decoding counts as "none"). */
  speculation(stats: RequestSpeculation): void {
    this.addSpeculation.run({ kind: stats.kind, drafted: stats.drafted, accepted: stats.accepted, targetPasses: stats.targetPasses });
  }

  /** Totals per draft kind ("draft", "promptLookup", "none") that ran at least once. */
  speculationSnapshot(): Record<string, SpeculationTotals> {
    const rows = this.db.prepare("SELECT kind, requests, drafted, accepted, target_passes AS targetPasses FROM speculation ORDER BY kind").all() as Array<
      Omit<SpeculationTotals, "acceptanceRate"> & { kind: string }
    >;
    return Object.fromEntries(rows.map(({ kind, ...t }) => [kind, { ...t, acceptanceRate: t.drafted === 0 ? 0 : t.accepted / t.drafted }]));
  }

  snapshot(): AcceptanceSnapshot {
    const row = this.db.prepare("SELECT COUNT(*) AS shown, COUNT(accepted_at) AS accepted FROM completions").get() as { shown: number; accepted: number };
    return { shown: row.shown, accepted: row.accepted, rate: row.shown === 0 ? 0 : row.accepted / row.shown };
  }

  close(): void {
    this.db.close();
  }
}
