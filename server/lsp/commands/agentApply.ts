import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { changedInputs, NO_INPUTS, runRequest, type InputDigests } from "../../agent/staleInputs.js";
import { markApplied } from "../../agent/undoRun.js";
import { toRunResult, type AgentRunResult } from "../agentRunResult.js";
import type { AgentOutcome } from "../../agent/types.js";
import { errorMessage } from "../../util/logger.js";
import type { CommandContext } from "./types.js";

/**
 * Builds the `dhi.agent.run` result and, when the run asked for it, sends workspace/applyEdit.
 * Only verified changes are applied; an unverified edit is returned for review instead. A run whose inputs
 * changed while it ran returns no edit (it would overwrite the user's text) and offers a re-run instead.
 */
export async function finishRun(context: CommandContext, root: string, cacheDir: string, outcome: AgentOutcome, started: InputDigests = NO_INPUTS): Promise<AgentRunResult> {
  const result = toRunResult(root, outcome);
  const changed = await changedInputs(root, started, outcome.changes);
  if (changed.length > 0) return staleResult(result, root, cacheDir, changed);
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

function staleResult(result: AgentRunResult, root: string, cacheDir: string, changed: string[]): AgentRunResult {
  const request = runRequest(cacheDir, result.runId);
  result.edit = { documentChanges: [], changeAnnotations: {} };
  result.inputsChanged = changed;
  result.summary += ` No edit returned: ${changed.join(", ")} changed since the run started; re-run it on the current text.`;
  if (request) {
    result.rerun = {
      title: "dhi: Re-run the agent on the current text",
      command: "dhi.agent.run",
      arguments: [{ instruction: request.instruction, uris: request.paths.map((p) => pathToFileURL(join(root, p)).href), apply: request.apply }],
    };
  }
  if (request?.apply) result.applied = false;
  return result;
}
