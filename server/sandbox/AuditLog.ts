import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";

// Every sandbox run, kept in SQLite next to the index: what ran, where, under which limits, and what came out.

export const AUDIT_FILE = "sandbox-audit.sqlite";

export interface AuditEntry {
  startedAt: string;
  backend: string;
  image: string | null;
  command: string;
  projectDir: string;
  overlayFiles: number;
  timeoutMs: number;
  memoryMb: number;
  pidsLimit: number;
  network: boolean;
  exitCode: number | null;
  timedOut: boolean;
  oomKilled: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** Set when the run never produced a result (refused, aborted, engine error). */
  error: string | null;
}

export interface AuditRow extends AuditEntry {
  id: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sandbox_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  backend TEXT NOT NULL,
  image TEXT,
  command TEXT NOT NULL,
  project_dir TEXT NOT NULL,
  overlay_files INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  memory_mb INTEGER NOT NULL,
  pids_limit INTEGER NOT NULL,
  network INTEGER NOT NULL,
  exit_code INTEGER,
  timed_out INTEGER NOT NULL,
  oom_killed INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  stdout TEXT NOT NULL,
  stderr TEXT NOT NULL,
  error TEXT
)`;

interface RawRow {
  id: number;
  started_at: string;
  backend: string;
  image: string | null;
  command: string;
  project_dir: string;
  overlay_files: number;
  timeout_ms: number;
  memory_mb: number;
  pids_limit: number;
  network: number;
  exit_code: number | null;
  timed_out: number;
  oom_killed: number;
  duration_ms: number;
  stdout: string;
  stderr: string;
  error: string | null;
}

export class AuditLog {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    // WAL and a busy timeout: the CLI and the language server may write at the same time.
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 3000");
    this.db.exec(SCHEMA);
  }

  static inCacheDir(cacheDir: string): AuditLog {
    return new AuditLog(join(cacheDir, AUDIT_FILE));
  }

  record(entry: AuditEntry): number {
    const result = this.db
      .prepare(
        `INSERT INTO sandbox_runs (started_at, backend, image, command, project_dir, overlay_files, timeout_ms, memory_mb, pids_limit,
           network, exit_code, timed_out, oom_killed, duration_ms, stdout, stderr, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.startedAt, entry.backend, entry.image, entry.command, entry.projectDir, entry.overlayFiles, entry.timeoutMs, entry.memoryMb,
        entry.pidsLimit, entry.network ? 1 : 0, entry.exitCode, entry.timedOut ? 1 : 0, entry.oomKilled ? 1 : 0, entry.durationMs,
        entry.stdout, entry.stderr, entry.error,
      );
    return Number(result.lastInsertRowid);
  }

  /** Newest first. */
  recent(limit = 20): AuditRow[] {
    const rows = this.db.prepare("SELECT * FROM sandbox_runs ORDER BY id DESC LIMIT ?").all(limit) as RawRow[];
    return rows.map((row) => ({
      id: row.id,
      startedAt: row.started_at,
      backend: row.backend,
      image: row.image,
      command: row.command,
      projectDir: row.project_dir,
      overlayFiles: row.overlay_files,
      timeoutMs: row.timeout_ms,
      memoryMb: row.memory_mb,
      pidsLimit: row.pids_limit,
      network: row.network === 1,
      exitCode: row.exit_code,
      timedOut: row.timed_out === 1,
      oomKilled: row.oom_killed === 1,
      durationMs: row.duration_ms,
      stdout: row.stdout,
      stderr: row.stderr,
      error: row.error,
    }));
  }

  close(): void {
    this.db.close();
  }
}
