import type { WorkspaceEdit } from "vscode-languageserver/node";
import type { AgentOutcome } from "../agent/types.js";
import { changesPatch } from "../text/fileChange.js";
import { toWorkspaceEdit } from "./protocol/convert.js";

/** The contract's `dhi.agent.run` result (also what `dhi agent --json` prints) (plus `ok`, `intent`, `notes`, `diff` and `verified.checks` as additions). */
export interface AgentRunResult {
  runId: string;
  edit: WorkspaceEdit;
  summary: string;
  verified: AgentOutcome["verified"];
  iterations: number;
  ok: boolean;
  intent: AgentOutcome["intent"];
  notes: string[];
  /** The edit as a unified diff, for editors that preview it as text (Neovim, Emacs). */
  diff: string;
  applied?: boolean;
  /** Files that changed while the run worked: the edit is then empty and `rerun` offers a fresh run. */
  inputsChanged?: string[];
  rerun?: { title: string; command: string; arguments: unknown[] };
}

export function toRunResult(root: string, outcome: AgentOutcome): AgentRunResult {
  return {
    runId: outcome.runId,
    edit: toWorkspaceEdit(root, outcome.changes, { verified: outcome.ok, description: outcome.summary, label: "dhi agent" }),
    summary: outcome.summary,
    verified: outcome.verified,
    iterations: outcome.iterations,
    ok: outcome.ok,
    intent: outcome.intent,
    notes: outcome.notes,
    diff: changesPatch(outcome.changes),
  };
}
