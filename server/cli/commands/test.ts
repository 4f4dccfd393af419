import { runProjectTests, describeOutcome } from "../../sandbox/runProjectTests.js";
import { SandboxError } from "../../sandbox/SandboxError.js";
import { Logger, parseLogLevel } from "../../util/logger.js";
import { workspaceCacheDir } from "../../util/paths.js";
import { Workspace } from "../../workspace/Workspace.js";
import { loadCliWorkspace } from "../workspaceArgs.js";
import { parseCliArgs, UsageError, type CliIO } from "../args.js";

// `dhi test [--dir DIR] [--json]`: the project's tests in the sandbox. Exit 0 passed, 1 failed or could not run, 2 bad usage.

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, { dir: { type: "string" }, json: { type: "boolean" } }, false);
  if (positionals.length) throw new UsageError(`dhi: test takes no arguments (got "${positionals[0]}"); use --dir DIR`, true);
  const { dir, settings } = loadCliWorkspace(values.dir, io);

  // Ctrl-C aborts the run, which tears the container down instead of leaving it behind.
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(new SandboxError("dhi: test run interrupted"));
  process.once("SIGINT", onInterrupt);
  process.once("SIGTERM", onInterrupt);
  const workspace = await Workspace.withSettings(dir, settings, new Logger(parseLogLevel(io.env.DHI_LOG_LEVEL)), io.env);
  try {
    const result = await runProjectTests({
      projectDir: dir,
      settings: settings.sandbox,
      logger: workspace.logger,
      cacheDir: workspaceCacheDir(dir, io.env),
      env: io.env,
      signal: controller.signal,
      sandbox: workspace.sandbox,
    });
    const passed = result.exitCode === 0 && !result.timedOut;
    if (values.json) {
      io.stdout(`${JSON.stringify({ passed, ...result })}\n`);
    } else {
      if (result.stdout) io.stdout(result.stdout.endsWith("\n") ? result.stdout : `${result.stdout}\n`);
      if (result.stderr) io.stderr(result.stderr.endsWith("\n") ? result.stderr : `${result.stderr}\n`);
      const where = result.image ? `${result.backend} ${result.image}` : result.backend;
      io.stdout(`dhi test: ${describeOutcome(result)} (\`${result.command}\`, ${where})\n`);
    }
    return passed ? 0 : 1;
  } catch (error) {
    if (error instanceof SandboxError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
    await workspace.dispose();
  }
}
