import { existsSync } from "node:fs";
import { join } from "node:path";
import { CheckpointStore } from "./checkpoints/CheckpointStore.js";
import { AGENT_STATES, type WorkState } from "./types.js";

export interface InterruptedRun {
  runId: string;
  instruction: string;
  /** The state it was in when its process ended; resume continues from there. */
  state: WorkState;
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined || pid === process.pid) return pid === process.pid;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs left mid-state by a process that no longer exists (kill -9, a crash, power loss). Each is recorded as
 * FAILED with an "interrupted" error and its state as the resume point, so it reports itself and can be resumed.
 */
export function collectInterruptedRuns(cacheDir: string, limit = 50): InterruptedRun[] {
  if (!existsSync(join(cacheDir, "agent.sqlite"))) return [];
  const store = CheckpointStore.open(cacheDir);
  const found: InterruptedRun[] = [];
  try {
    for (const row of store.recentRuns(limit)) {
      if (!(AGENT_STATES as readonly string[]).includes(row.state)) continue;
      const snapshot = store.load(row.runId);
      if (!snapshot || alive(snapshot.owner)) continue;
      const state = row.state as WorkState;
      snapshot.state = "FAILED";
      snapshot.resumeFrom = state;
      snapshot.error = `interrupted at ${state}: the process running it ended`;
      store.record(snapshot, state);
      found.push({ runId: row.runId, instruction: row.instruction, state });
    }
  } finally {
    store.close();
  }
  return found;
}
