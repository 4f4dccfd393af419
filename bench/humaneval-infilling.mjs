#!/usr/bin/env node
// HumanEval infilling through the SAME code path as the editor (CompletionService: context assembly,
// post-processing, verification), scored by exact match and pass@1 (the task's tests run in the dhi sandbox:
// Docker with the dhi-sandbox/python:local image by default, `--runner bwrap`, or `--runner host` for a plain
// child python3 process when no sandbox is available). Each task runs twice: with the full post-processing + verification, and with only
// the minimum (special-token cleanup, single-line cut, blank drop), so their effect is measured.
//
//   npx tsc -p . && node bench/humaneval-infilling.mjs [--model P] [--limit N] [--set single|multi|both] [--max-tokens N] [--json]
//
// The editor's view of a task: the cursor on an empty line between `prompt` and `suffix`. Single-line tasks run
// with completion.multiline=false (the user asked for one line), multi-line tasks with "auto".
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { createInferenceEngine } from "../dist/inference/createEngine.js";
import { defaultSettings } from "../dist/config/schema.js";
import { Logger } from "../dist/util/logger.js";
import { CompletionService } from "../dist/completion/CompletionService.js";
import { createSandbox } from "../dist/sandbox/createSandbox.js";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    model: { type: "string", default: join(root, "../shared/models/dhi-fim-4m.gguf") },
    limit: { type: "string", default: "20" },
    set: { type: "string", default: "both" },
    "max-tokens": { type: "string", default: "64" },
    "timeout-ms": { type: "string", default: "5000" },
    threads: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
    runner: { type: "string", default: process.env.DHI_SANDBOX ?? "docker" },
    out: { type: "string" },
  },
});
const limit = Number(values.limit);
const dataDir = join(root, "../shared/bench-data/human-eval-infilling");
const SETS = { single: "HumanEval-SingleLineInfilling.jsonl.gz", multi: "HumanEval-MultiLineInfilling.jsonl.gz" };

/** Evenly spread tasks (one set is ordered by problem), so a small limit still covers many problems. */
function loadTasks(file, n) {
  const rows = gunzipSync(readFileSync(join(dataDir, file))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l));
  const step = Math.max(1, Math.floor(rows.length / n));
  return rows.filter((_, i) => i % step === 0).slice(0, n);
}

const normalise = (code) => code.split("\n").map((l) => l.trimEnd()).join("\n").replace(/\n+$/, "");

const scratch = mkdtempSync(join(tmpdir(), "dhi-humaneval-"));
// Model-written code never runs on the host unless asked to (--runner host).
const sandbox = values.runner === "host"
  ? null
  : createSandbox({ settings: { ...defaultSettings().sandbox, backend: values.runner }, logger: new Logger("error"), cacheDir: scratch });
async function passes(task, completion) {
  const program = `${task.prompt}${completion}\n${task.suffix}\n${task.test}\ncheck(${task.entry_point})\n`;
  if (!sandbox) {
    const file = join(scratch, "task.py");
    writeFileSync(file, program);
    return spawnSync("python3", [file], { timeout: Number(values["timeout-ms"]), stdio: "ignore" }).status === 0;
  }
  const result = await sandbox.run({
    cmd: "python3 task.py",
    projectDir: scratch,
    overlay: new Map([["task.py", program]]),
    timeoutMs: Number(values["timeout-ms"]),
    memoryMb: 512,
    network: false,
    image: "dhi-sandbox/python:local",
  });
  return result.exitCode === 0 && !result.timedOut;
}

const settings = defaultSettings();
settings.model.path = values.model;
settings.model.threads = Number(values.threads);
const logger = new Logger("error");
const engine = createInferenceEngine({ settings, logger });
const info = await engine.load();

const sets = values.set === "both" ? ["single", "multi"] : [values.set];
const report = { model: info.name, runner: values.runner, limit, maxTokens: Number(values["max-tokens"]), sets: {} };
for (const set of sets) {
  const tasks = loadTasks(SETS[set], limit);
  // Sanity: the harness itself passes with the canonical solutions.
  let canonicalPass = 0;
  for (const t of tasks) if (await passes(t, t.canonical_solution.replace(/\n$/, ""))) canonicalPass++;
  const arms = {};
  for (const [arm, switches] of [["postprocessed+verified", {}], ["raw", { postprocess: false, verify: false }]]) {
    const completion = { ...settings.completion, responseBudgetMs: 0, maxTokens: Number(values["max-tokens"]), multiline: set === "single" ? false : "auto" };
    const service = new CompletionService({ engine, getSettings: () => completion, logger, ...switches });
    let exact = 0, passed = 0, empty = 0, ms = 0, syntaxOk = 0;
    for (const task of tasks) {
      const text = `${task.prompt}\n${task.suffix}`;
      const t0 = performance.now();
      const result = await service.complete({ uri: task.task_id, path: `${task.entry_point}.py`, text, offset: task.prompt.length });
      ms += performance.now() - t0;
      const out = result?.text ?? "";
      if (out === "") empty++;
      if (normalise(out) === normalise(task.canonical_solution)) exact++;
      if (await passes(task, out)) passed++;
      const compiled = spawnSync("python3", ["-c", "import ast,sys; ast.parse(sys.stdin.read())"], { input: `${task.prompt}${out}\n${task.suffix}`, stdio: ["pipe", "ignore", "ignore"] });
      if (compiled.status === 0) syntaxOk++;
    }
    await service.dispose();
    const n = tasks.length;
    arms[arm] = { n, exactMatch: exact / n, passAt1: passed / n, parses: syntaxOk / n, empty: empty / n, meanMs: Math.round(ms / n) };
  }
  report.sets[set] = { tasks: tasks.length, canonicalPassRate: canonicalPass / tasks.length, arms };
}
await engine.dispose();
await sandbox?.dispose();
rmSync(scratch, { recursive: true, force: true });

if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  console.log(`HumanEval infilling, model ${report.model}, ${limit} tasks per set, max ${report.maxTokens} tokens`);
  for (const [set, r] of Object.entries(report.sets)) {
    console.log(`\n${set}-line (harness check: canonical solutions pass ${(r.canonicalPassRate * 100).toFixed(0)}%)`);
    for (const [arm, a] of Object.entries(r.arms)) {
      console.log(`  ${arm.padEnd(24)} exact ${(a.exactMatch * 100).toFixed(1)}%  pass@1 ${(a.passAt1 * 100).toFixed(1)}%  buffer parses ${(a.parses * 100).toFixed(1)}%  empty ${(a.empty * 100).toFixed(1)}%  ${a.meanMs} ms/task`);
    }
  }
}
