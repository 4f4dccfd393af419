import { markApplied } from "../../agent/undoRun.js";
import { toRunResult, type AgentRunResult } from "../../agent/toRunResult.js";
import type { AgentOutcome } from "../../agent/types.js";
import { errorMessage } from "../../util/logger.js";
import type { CommandContext } from "./types.js";

/**
 * Builds the `dhi.agent.run` result and, when the run asked for it, sends workspace/applyEdit.
 * Only verified changes are applied; an unverified edit is returned for review instead.
 */
export async function finishRun(context: CommandContext, root: string, cacheDir: string, outcome: AgentOutcome): Promise<AgentRunResult> {
  const result = toRunResult(root, outcome);
  if (!outcome.apply) return result;
  if (!outcome.ok || outcome.changes.length === 0) {
    result.applied = false;
    result.summary += " Not applied: only verified changes are applied automatically.";
    return result;
  }
  try {
    result.applied = await context.applyEdit(result.edit, `dhi agent: ${outcome.summary.slice(0, 80)}`);
  } catch (error) {
    result.applied = false;
    result.summary += ` Not applied: ${errorMessage(error)}`;
  }
  if (result.applied) markApplied(cacheDir, outcome.runId, true);
  return result;
}
