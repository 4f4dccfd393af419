import { runTrail } from "../../../server/agent/runAgent.js";

/** The states a run went through, in order, from its checkpoints. */
export function agentTrail(cacheDir: string, runId: string): string[] {
  return runTrail(cacheDir, runId).map((t) => t.toState);
}
