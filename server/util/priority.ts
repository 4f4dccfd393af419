import { setPriority } from "node:os";

/**
 * The niceness of dhi's background processes (the index's update and extraction processes): when the machine is
 * busy, the editor's requests (the model's threads, the server's own thread) win the CPU, while an idle machine
 * still gives them every core.
 */
const BACKGROUND_NICENESS = 19;

/** Lowers a child process to background priority; where that is not permitted it keeps the server's. */
export function runInBackground(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, BACKGROUND_NICENESS);
  } catch {
    // Not permitted here (some containers): the process runs at the server's priority.
  }
}
