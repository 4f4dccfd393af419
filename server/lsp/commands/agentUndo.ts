import { ErrorCodes, ResponseError } from "vscode-languageserver/node";
import { z } from "zod";
import { toWorkspaceEdit } from "../protocol/convert.js";
import { undoRun } from "../../agent/undoRun.js";
import { asParamsError } from "./agentDeps.js";
import type { LspCommand } from "./types.js";

const ArgsSchema = z.object({ runId: z.string().min(1) });

/** `dhi.agent.undo {runId}` → the WorkspaceEdit that reverts that run's applied edit. */
export const agentUndoCommand: LspCommand = {
  id: "dhi.agent.undo",
  async execute(argument, { workspace }) {
    try {
      const { runId } = ArgsSchema.parse(argument);
      const root = workspace.root;
      const cacheDir = workspace.cacheDir;
      if (!root || !cacheDir) throw new ResponseError(ErrorCodes.InvalidRequest, "dhi: undo needs a workspace folder; open a folder first");
      const reverts = await undoRun(root, cacheDir, runId);
      return toWorkspaceEdit(root, reverts, { verified: true, label: "dhi agent undo", description: `Reverts agent run ${runId}` });
    } catch (error) {
      throw asParamsError(error);
    }
  },
};
