import type { Range, WorkspaceEdit } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { dhiCommentAt } from "../actions/regions.js";
import { startRun } from "../agent/runAgent.js";
import { toRunResult } from "./agentRunResult.js";
import { agentDepsFor } from "./commands/agentDeps.js";
import type { CommandContext } from "./commands/types.js";

// The agent as a code action, for editors that cannot pass an instruction to workspace/executeCommand
// (Helix): a `dhi: …` comment on the cursor's line or the line above is the instruction, exactly as for
// "Rewrite selection…". Resolving runs the agent (without applying) and returns its edit for the editor
// to apply, like any code action's.

export const AGENT_ACTION_KIND = "source.dhi.agent";

/**
 * The instruction in a `dhi:` comment at the selection (the line above its first line, else that line), or null.
 * Listing never runs the agent, and reads those two lines only, not the whole document.
 */
export function agentInstructionAt(document: TextDocument, range: Range): string | null {
  const first = document.positionAt(document.offsetAt(range.start)).line;
  const lineAt = (line: number): string => document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, "");
  return dhiCommentAt(first, lineAt)?.instruction ?? null;
}

export function agentActionTitle(instruction: string): string {
  const short = instruction.length > 60 ? `${instruction.slice(0, 59)}…` : instruction;
  return `dhi: Run agent: ${short}`;
}

/** Runs the agent on the instruction, scoped to the document's file; resolves to the run's (unapplied) edit. */
export async function runAgentAction(
  context: Pick<CommandContext, "workspace" | "signal" | "withProgress">,
  instruction: string,
  path: string | null,
): Promise<{ edit: WorkspaceEdit; summary: string; runId: string }> {
  return context.withProgress("dhi agent", async (report) => {
    const deps = await agentDepsFor(context, report);
    const outcome = await startRun(deps, { instruction, paths: path ? [path] : [], apply: false });
    const result = toRunResult(deps.root, outcome);
    context.workspace.logger.info(`agent run ${result.runId} (code action): ${result.summary}`);
    return { edit: result.edit, summary: result.summary, runId: result.runId };
  });
}
