import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { acceptanceId, acceptanceSnapshot, type AcceptanceSnapshot } from "./AcceptanceStats.js";
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
  private readonly markPartial: Database.Statement<[number, string]>;
  private readonly addSpeculation: Database.Statement<[RequestSpeculation]>;

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
    const row = this.db
      .prepare("SELECT COUNT(*) AS shown, COUNT(accepted_at) AS accepted, COUNT(CASE WHEN accepted_at IS NULL THEN partial_length END) AS partial FROM completions")
      .get() as { shown: number; accepted: number; partial: number };
    return acceptanceSnapshot(row.shown, row.accepted, row.partial);
  }

  close(): void {
    this.db.close();
  }
}
