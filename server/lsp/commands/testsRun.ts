import { z } from "zod";
import { runProjectTests } from "../../sandbox/runProjectTests.js";
import type { LspCommand } from "./types.js";

const ArgsSchema = z.object({ testCommand: z.string().min(1).optional() }).optional();

/** `dhi.tests.run {testCommand?}` → `{backend, exitCode, timedOut, durationMs, stdout, stderr}`, run in the sandbox. */
export const testsRunCommand: LspCommand = {
  id: "dhi.tests.run",
  async execute(argument, { workspace, signal, withProgress }) {
    const args = ArgsSchema.parse(argument ?? undefined);
    const root = workspace.root;
    const cacheDir = workspace.cacheDir;
    if (!root || !cacheDir) throw new Error("dhi: dhi.tests.run needs a workspace folder");
    const result = await withProgress("dhi: running tests", (report) =>
      runProjectTests({
        projectDir: root,
        settings: workspace.settings.sandbox,
        logger: workspace.logger,
        cacheDir,
        testCommand: args?.testCommand,
        signal,
        onProgress: (message) => report({ message }),
      }),
    );
    return {
      backend: result.backend,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      oomKilled: result.oomKilled,
      durationMs: result.durationMs,
      command: result.command,
      stdout: result.stdout,
      stderr: result.stderr,
    };
  },
};
