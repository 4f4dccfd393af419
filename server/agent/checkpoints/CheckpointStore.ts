import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { AgentState, RunSnapshot } from "../types.js";

export interface TransitionRow {
  seq: number;
  fromState: AgentState | null;
  toState: AgentState;
  at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  instruction TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  applied INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS transitions (
  run_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  at INTEGER NOT NULL,
  plan TEXT NOT NULL,
  candidates TEXT NOT NULL,
  attempts TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
`;

/**
 * Agent checkpoints in SQLite (`agent.sqlite` in the workspace cache folder): one row per run with its
 * latest snapshot, and one row per state transition with the plan, candidates and verify results then.
 */
export class CheckpointStore {
  private constructor(private readonly db: Database.Database) {}

  static open(cacheDir: string): CheckpointStore {
    mkdirSync(cacheDir, { recursive: true });
    const db = new Database(join(cacheDir, "agent.sqlite"));
    db.pragma("journal_mode = WAL");
    // A crash right after a transition must not lose it: that is what resume relies on.
    db.pragma("synchronous = FULL");
    db.exec(SCHEMA);
    return new CheckpointStore(db);
  }

  /** Stores a transition into `snapshot.state` and makes it the run's latest snapshot, atomically. */
  record(snapshot: RunSnapshot, fromState: AgentState | null): void {
    const now = Date.now();
    const json = JSON.stringify(snapshot);
    const write = this.db.transaction(() => {
      const seqRow = this.db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM transitions WHERE run_id = ?").get(snapshot.runId) as { next: number };
      this.db
        .prepare("INSERT INTO transitions (run_id, seq, from_state, to_state, at, plan, candidates, attempts, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .run(snapshot.runId, seqRow.next, fromState, snapshot.state, now, JSON.stringify(snapshot.plan), JSON.stringify(snapshot.candidates), JSON.stringify(snapshot.attempts), json);
      this.db
        .prepare(
          `INSERT INTO runs (run_id, instruction, state, created_at, updated_at, snapshot) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(run_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, snapshot = excluded.snapshot`,
        )
        .run(snapshot.runId, snapshot.request.instruction, snapshot.state, now, now, json);
    });
    write();
  }

  load(runId: string): RunSnapshot | null {
    const row = this.db.prepare("SELECT snapshot FROM runs WHERE run_id = ?").get(runId) as { snapshot: string } | undefined;
    return row ? (JSON.parse(row.snapshot) as RunSnapshot) : null;
  }

  transitions(runId: string): TransitionRow[] {
    const rows = this.db.prepare("SELECT seq, from_state, to_state, at FROM transitions WHERE run_id = ? ORDER BY seq").all(runId) as Array<{
      seq: number;
      from_state: AgentState | null;
      to_state: AgentState;
      at: number;
    }>;
    return rows.map((r) => ({ seq: r.seq, fromState: r.from_state, toState: r.to_state, at: r.at }));
  }

  markApplied(runId: string, applied: boolean): void {
    this.db.prepare("UPDATE runs SET applied = ?, updated_at = ? WHERE run_id = ?").run(applied ? 1 : 0, Date.now(), runId);
  }

  isApplied(runId: string): boolean {
    const row = this.db.prepare("SELECT applied FROM runs WHERE run_id = ?").get(runId) as { applied: number } | undefined;
    return row?.applied === 1;
  }

  /** Most recent runs first, for listing. */
  recentRuns(limit = 20): Array<{ runId: string; instruction: string; state: AgentState; updatedAt: number; applied: boolean }> {
    const rows = this.db.prepare("SELECT run_id, instruction, state, updated_at, applied FROM runs ORDER BY updated_at DESC LIMIT ?").all(limit) as Array<{
      run_id: string;
      instruction: string;
      state: AgentState;
      updated_at: number;
      applied: number;
    }>;
    return rows.map((r) => ({ runId: r.run_id, instruction: r.instruction, state: r.state, updatedAt: r.updated_at, applied: r.applied === 1 }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
