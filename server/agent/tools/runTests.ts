import type { SandboxSettings } from "../../config/schema.js";
import { detectProject, runProjectTests } from "../../sandbox/index.js";
import type { Sandbox } from "../../sandbox/types.js";
import { isAbortError } from "../../util/abort.js";
import { errorMessage, type Logger } from "../../util/logger.js";
import type { CheckResult, TestReport, TestRunner } from "../types.js";
import { projectChecks } from "./projectChecks.js";
import { testCounts } from "./testCounts.js";

export interface SandboxTestRunnerOptions {
  sandbox: Sandbox;
  /** Absolute project root; the sandbox copies it and applies the overlay to the copy. */
  root: string;
  settings: SandboxSettings;
  logger: Logger;
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
}

const MAX_OUTPUT = 20_000;

/** Keeps the end of long output: failures and summaries come last. */
function tail(text: string): string {
  return text.length > MAX_OUTPUT ? `…${text.slice(-MAX_OUTPUT)}` : text;
}

/**
 * The "run tests" tool: the project's tests (and configured lint/typecheck) through the sandbox's
 * runProjectTests, on an overlay. Null when the project has no test command to run.
 */
export function createSandboxTestRunner(options: SandboxTestRunnerOptions): TestRunner | null {
  const { sandbox, root, settings } = options;
  const profile = detectProject(root);
  const command = settings.testCommand?.trim() || profile?.testCommand;
  if (!command) return null;
  const exec = (overlay: Map<string, string | null>, signal: AbortSignal | undefined, testCommand?: string) =>
    runProjectTests({ projectDir: root, settings, logger: options.logger, cacheDir: options.cacheDir, env: options.env, sandbox, overlay, signal, testCommand });
  return {
    description: `${command} in the ${sandbox.backend} sandbox`,
    async run(overlay, signal): Promise<TestReport> {
      try {
        const r = await exec(overlay, signal);
        const output = tail(`${r.stdout}${r.stderr ? `\n${r.stderr}` : ""}${r.timedOut ? `\n[timed out after ${settings.timeoutMs} ms]` : ""}`);
        const counts = r.timedOut ? { passed: 0, failed: 1 } : testCounts(output, r.exitCode);
        return { ran: true, ...counts, output, exitCode: r.exitCode, timedOut: r.timedOut };
      } catch (error) {
        if (isAbortError(error) || signal?.aborted) throw error;
        return { ran: false, passed: 0, failed: 0, output: `the sandbox could not run the tests: ${errorMessage(error)}`, exitCode: null, timedOut: false };
      }
    },
    async checks(overlay, signal): Promise<CheckResult[]> {
      const results: CheckResult[] = [];
      for (const check of projectChecks(root)) {
        try {
          const r = await exec(overlay, signal, check.command);
          results.push({ name: check.name, ran: true, passed: r.exitCode === 0 && !r.timedOut, output: tail(`${r.stdout}\n${r.stderr}`.trim()) });
        } catch (error) {
          if (isAbortError(error) || signal?.aborted) throw error;
          results.push({ name: check.name, ran: false, passed: false, output: errorMessage(error) });
        }
      }
      return results;
    },
  };
}
