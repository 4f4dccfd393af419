import { ErrorCodes, ResponseError } from "vscode-languageserver/node";
import { ZodError } from "zod";
import { AgentRequestError } from "../../agent/errors/AgentRequestError.js";
import type { AgentDeps } from "../../agent/types.js";
import type { OnProgress } from "../../util/progress.js";
import { agentDeps } from "../../workspace/agentDeps.js";
import { NoWorkspaceFolderError } from "../../workspace/errors.js";
import type { CommandContext } from "./types.js";

/** The agent's dependencies from the command's workspace (server/workspace/agentDeps.ts); no folder is InvalidRequest. */
export async function agentDepsFor(context: Pick<CommandContext, "workspace" | "signal">, report: OnProgress): Promise<AgentDeps> {
  const { workspace, signal } = context;
  try {
    return await agentDeps(workspace, { signal, onProgress: report, warn: (message) => workspace.logger.warn(message) });
  } catch (error) {
    if (error instanceof NoWorkspaceFolderError) throw new ResponseError(ErrorCodes.InvalidRequest, error.message);
    throw error;
  }
}

/** Agent errors a caller can fix (unknown run, undo conflict, bad path) become InvalidParams with their one-line message. */
export function asParamsError(error: unknown): unknown {
  if (error instanceof AgentRequestError) return new ResponseError(ErrorCodes.InvalidParams, error.message);
  if (error instanceof ZodError) return new ResponseError(ErrorCodes.InvalidParams, `dhi: invalid arguments: ${firstIssue(error)}`);
  return error;
}

function firstIssue(error: ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join(".") || "argument"}: ${issue.message}` : error.message;
}
