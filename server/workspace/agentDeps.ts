import { createSandboxTestRunner } from "../agent/tools/runTests.js";
import type { AgentDeps, TestRunner } from "../agent/types.js";
import { isAbortError } from "../util/abort.js";
import { errorMessage } from "../util/logger.js";
import type { OnProgress } from "../util/progress.js";
import { NoWorkspaceFolderError } from "./errors.js";
import type { Workspace } from "./Workspace.js";

export interface AgentRunOptions {
  signal: AbortSignal;
  onProgress?: OnProgress;
  /** Where a missing part (index, sandbox) is reported: the server's log, the CLI's stderr. One line each. */
  warn: (message: string) => void;
}

/**
 * The agent's dependencies from a workspace's engines: the index brought up to date first (a failed update keeps
 * the index as it is; without one the agent locates code by a lexical scan), and the sandbox's test runner.
 */
export async function agentDeps(workspace: Workspace, { signal, onProgress, warn }: AgentRunOptions): Promise<AgentDeps> {
  const root = workspace.root;
  const cacheDir = workspace.cacheDir;
  if (!root || !cacheDir) throw new NoWorkspaceFolderError("the agent");
  const index = await workspace.index();
  if (index) {
    try {
      onProgress?.({ message: "dhi agent: updating the index" });
      await index.update({ signal });
    } catch (error) {
      if (isAbortError(error) || signal.aborted) throw error;
      warn(`dhi: index update failed (${errorMessage(error)}); the agent uses the index as it is`);
    }
  }
  let tests: TestRunner | null = null;
  try {
    tests = createSandboxTestRunner({ sandbox: workspace.sandbox, root, settings: workspace.settings.sandbox, logger: workspace.logger, cacheDir, env: workspace.env });
  } catch (error) {
    warn(`dhi: no sandbox (${errorMessage(error)}); tests will not run`);
  }
  return { root, settings: workspace.settings.agent, engine: workspace.engine, index, tests, cacheDir, logger: workspace.logger, onProgress, signal };
}
