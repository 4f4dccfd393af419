import { collectInterruptedRuns } from "../agent/interruptedRuns.js";
import { errorMessage } from "../util/logger.js";
import type { Workspace } from "../workspace/Workspace.js";

/** Tells the user about agent runs a previous server left mid-way (kill -9, crash), and how to resume each. */
export function reportInterruptedRuns(workspace: Workspace, notify: (message: string) => void): void {
  const cacheDir = workspace.cacheDir;
  if (!cacheDir) return;
  try {
    for (const run of collectInterruptedRuns(cacheDir)) {
      const instruction = run.instruction.length > 60 ? `${run.instruction.slice(0, 57)}...` : run.instruction;
      notify(`dhi: agent run ${run.runId} ("${instruction}") was interrupted at ${run.state} when its server stopped; resume it with dhi.agent.resume {"runId":"${run.runId}"}`);
    }
  } catch (error) {
    workspace.logger.warn(`agent: could not check for interrupted runs: ${errorMessage(error)}`);
  }
}
