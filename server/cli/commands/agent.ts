import { applyToDisk } from "../../agent/applyToDisk.js";
import { startRun } from "../../agent/runAgent.js";
import { toRunResult } from "../../lsp/agentRunResult.js";
import { markApplied } from "../../agent/undoRun.js";
import { AbortError } from "../../util/abort.js";
import { Logger, parseLogLevel } from "../../util/logger.js";
import { workspaceCacheDir } from "../../util/paths.js";
import { changesPatch } from "../../text/fileChange.js";
import { agentDeps } from "../../workspace/agentDeps.js";
import { Workspace } from "../../workspace/Workspace.js";
import { loadCliWorkspace } from "../workspaceArgs.js";
import { parseCliArgs, UsageError, type CliIO } from "../args.js";

// `dhi agent "INSTRUCTION" [--dir DIR] [--apply] [--json]`. Without --apply it prints a unified diff and changes
// nothing; with --apply it writes verified changes. Exit 0 verified, 1 no verified change, 2 bad usage.

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, { dir: { type: "string" }, apply: { type: "boolean" }, json: { type: "boolean" } });
  if (positionals.length !== 1 || !positionals[0]?.trim()) throw new UsageError('dhi: agent takes one INSTRUCTION in quotes, e.g. dhi agent "fix the failing test"', true);
  const instruction = positionals[0];
  const { dir, settings } = loadCliWorkspace(values.dir, io);
  const logger = new Logger(parseLogLevel(io.env.DHI_LOG_LEVEL ?? "warn"));
  const cacheDir = workspaceCacheDir(dir, io.env);
  const controller = new AbortController();
  const onInterrupt = () => controller.abort(new AbortError("dhi: agent run interrupted"));
  process.once("SIGINT", onInterrupt);
  process.once("SIGTERM", onInterrupt);

  const workspace = await Workspace.withSettings(dir, settings, logger, io.env);
  try {
    const deps = await agentDeps(workspace, {
      signal: controller.signal,
      onProgress: values.json ? undefined : (p) => io.stderr(`${p.message}\n`),
      warn: (message) => io.stderr(`${message}\n`),
    });
    const outcome = await startRun(deps, { instruction, apply: values.apply ?? false });
    const result = toRunResult(dir, outcome);
    if (values.apply) {
      if (outcome.ok && outcome.changes.length > 0) {
        await applyToDisk(dir, outcome.changes);
        markApplied(cacheDir, outcome.runId, true);
        result.applied = true;
      } else {
        result.applied = false;
        result.summary += " Not applied: only verified changes are applied.";
      }
    }
    if (values.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else {
      if (!values.apply && outcome.changes.length > 0) io.stdout(changesPatch(outcome.changes));
      io.stderr(`${result.summary}\nrun id: ${outcome.runId}${values.apply ? (result.applied ? " (applied)" : " (not applied)") : " (nothing changed; use --apply to write verified changes)"}\n`);
    }
    return outcome.ok ? 0 : 1;
  } finally {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
    await workspace.dispose();
  }
}
