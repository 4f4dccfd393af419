import { ErrorCodes, ResponseError } from "vscode-languageserver/node";
import { ZodError } from "zod";
import { AgentRequestError } from "../../agent/errors/AgentRequestError.js";
import { createSandboxTestRunner } from "../../agent/tools/runTests.js";
import type { AgentDeps, TestRunner } from "../../agent/types.js";
import { isAbortError } from "../../util/abort.js";
import { errorMessage } from "../../util/logger.js";
import type { OnProgress } from "../../util/progress.js";
import type { CommandContext } from "./types.js";

/** Wires a workspace's engine, index and sandbox into the agent's dependencies. */
export async function agentDepsFor(context: Pick<CommandContext, "workspace" | "signal">, report: OnProgress): Promise<AgentDeps> {
  const { workspace, signal } = context;
  const root = workspace.root;
  const cacheDir = workspace.cacheDir;
  if (!root || !cacheDir) throw new ResponseError(ErrorCodes.InvalidRequest, "dhi: the agent needs a workspace folder; open a folder first");
  const index = await workspace.index();
  if (index) {
    try {
      report({ message: "dhi agent: updating the index" });
      await index.update({ signal });
    } catch (error) {
      if (isAbortError(error) || signal.aborted) throw error;
      workspace.logger.warn(`agent: index update failed, using it as it is: ${errorMessage(error)}`);
    }
  }
  let tests: TestRunner | null = null;
  try {
    tests = createSandboxTestRunner({ sandbox: workspace.sandbox, root, settings: workspace.settings.sandbox, logger: workspace.logger, cacheDir });
  } catch (error) {
    workspace.logger.warn(`agent: no sandbox, tests will not run: ${errorMessage(error)}`);
  }
  return { root, settings: workspace.settings.agent, engine: workspace.engine, index, tests, cacheDir, logger: workspace.logger, onProgress: report, signal };
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
