#!/usr/bin/env node
// Inference benchmarks for the embedded engine, on the shared tiny models. Prints one JSON object.
//   npx tsc -p . && node bench/inference.mjs [--quick] [--file PATH]
// 1. throughput: prompt processing and generation tokens/s, per thread count;
// 2. speculation on 12 HumanEval infilling prompts: plain vs draft model vs the target as its own
//    draft: identical outputs, acceptance, target forward passes per generated token, wall time;
//    plus the cost of one verification pass of 1 vs 9 tokens (why speculation cannot win here);
// 3. prompt lookup on an edit task (complete with inputGrounded);
// 4. a 200-keystroke typing session in a real file: evaluated vs reused prompt tokens per layout.
import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { defaultSettings } from "../dist/config/schema.js";
import { LlamaEngine } from "../dist/inference/LlamaEngine.js";
import { physicalCores } from "../dist/inference/threads.js";
import { Cursor } from "../dist/text/Cursor.js";
import { Logger } from "../dist/util/logger.js";

const { values: args } = parseArgs({ options: { quick: { type: "boolean" }, file: { type: "string" } } });
const root = new URL("..", import.meta.url);
const shared = new URL("../shared/", root);
const MODEL = fileURLToPath(new URL("models/dhi-fim-4m.gguf", shared));
const DRAFT = fileURLToPath(new URL("models/dhi-fim-draft-1m.gguf", shared));
const logger = new Logger("error");
const KEYSTROKES = args.quick ? 40 : 200;

function engine(model = {}, options = {}) {
  const s = defaultSettings();
  return new LlamaEngine({ model: { ...s.model, path: MODEL, threads: 1, contextSize: 2048, ...model }, logger, ...options });
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : 0;
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

// ---- 1. throughput ----
async function throughput(modelPath, threads) {
  const e = engine({ path: modelPath, threads });
  await e.load();
  const { model } = e.internals;
  const ctx = await model.createContext({ contextSize: 1024, threads });
  const seq = ctx.getSequence();
  const text = readFileSync(fileURLToPath(new URL("node_modules/vscode-languageserver/lib/common/server.js", root)), "utf8");
  const prompt = model.tokenize(text, false).slice(0, 512);
  let t0 = performance.now();
  await seq.evaluateWithoutGeneratingNewTokens(prompt);
  const ppMs = performance.now() - t0;
  await seq.clearHistory();
  await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 64));
  const gen = 256;
  let n = 0;
  t0 = performance.now();
  for await (const _ of seq.evaluate(prompt.slice(64, 65), { temperature: 0, yieldEogToken: true })) if (++n >= gen) break;
  const tgMs = performance.now() - t0;
  await ctx.dispose();
  await e.dispose();
  return { model: modelPath.split("/").pop(), threads, promptTokensPerSec: round((prompt.length / ppMs) * 1000, 0), genTokensPerSec: round((n / tgMs) * 1000, 0) };
}

// ---- 2. speculation ----
function humanEval(n) {
  const rows = gunzipSync(readFileSync(fileURLToPath(new URL("bench-data/human-eval-infilling/HumanEval-MultiLineInfilling.jsonl.gz", shared))))
    .toString("utf8").trim().split("\n").map((l) => JSON.parse(l));
  const seen = new Set();
  const out = [];
  for (const r of rows) {
    const task = r.task_id.split("/").slice(0, -1).join("/");
    if (seen.has(task)) continue;
    seen.add(task);
    out.push(r);
    if (out.length >= n) break;
  }
  return out;
}

async function runSet(e, problems, maxTokens) {
  const results = [];
  const t0 = performance.now();
  for (const p of problems) results.push(await e.infill({ cursor: Cursor.between(p.prompt, p.suffix), maxTokens }));
  return { results, ms: performance.now() - t0 };
}

function summarize(name, { results, ms }, baseline, extra = {}) {
  const sum = (f) => results.reduce((n, r) => n + f(r), 0);
  const generated = sum((r) => r.tokens.generated);
  const drafted = sum((r) => r.speculation.drafted);
  const accepted = sum((r) => r.speculation.accepted);
  const identical = baseline ? results.filter((r, i) => r.text === baseline.results[i].text).length : results.length;
  return {
    name,
    ...extra,
    identical: `${identical}/${results.length}`,
    generated,
    drafted,
    accepted,
    acceptance: drafted ? round(accepted / drafted, 3) : null,
    targetPassesPerToken: round(sum((r) => r.speculation.targetPasses) / generated, 3),
    genPassesPerToken: round(sum((r) => r.speculation.targetPasses - Math.ceil(Math.max(0, r.tokens.evaluated - 1) / 512)) / generated, 3),
    ms: round(ms, 0),
    speedup: baseline ? round(baseline.ms / ms, 2) : 1,
  };
}

async function speculation() {
  const problems = humanEval(12);
  const maxTokens = 64;
  const plain = engine();
  await plain.load();
  await runSet(plain, problems.slice(0, 2), 8); // warm-up
  const base = await runSet(plain, problems, maxTokens);
  const rows = [summarize("plain", base, null)];
  const configs = [
    ["draft-1m", DRAFT, 0, 8],
    ["draft-1m", DRAFT, 0.3, 8],
    ["draft-1m", DRAFT, 0.5, 8],
    ["draft-1m", DRAFT, 0.3, 4],
    ["self-draft", MODEL, 0, 8],
    ["self-draft", MODEL, 0, 16],
  ];
  for (const [name, draftPath, minConfidence, maxDraft] of configs) {
    const e = engine({ draftPath }, { speculation: { draftMinConfidence: minConfidence, draftMaxTokens: maxDraft } });
    await e.load();
    await runSet(e, problems.slice(0, 2), 8);
    rows.push(summarize(name, await runSet(e, problems, maxTokens), base, { minConfidence, maxDraft }));
    await e.dispose();
  }
  // The mechanism's overhead: one target pass over 1 token vs 9 tokens (a verification of 8 drafts).
  const { model } = plain.internals;
  const ctx = await model.createContext({ contextSize: 1024, threads: 1 });
  const seq = ctx.getSequence();
  const prompt = model.tokenize(problems[0].prompt, false).slice(0, 200);
  const gen = { generateNext: { token: true } };
  const passCost = {};
  for (const k of [1, 9]) {
    const times = [];
    for (let i = 0; i < 30; i++) {
      await seq.clearHistory();
      await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 190));
      const t0 = performance.now();
      await seq.controlledEvaluate(prompt.slice(190, 190 + k).map((t) => [t, gen]));
      times.push(performance.now() - t0);
    }
    passCost[`tokens${k}Ms`] = round(pct(times, 50), 3);
  }
  await ctx.dispose();
  await plain.dispose();
  return { prompts: problems.length, maxTokens, runs: rows, verificationPassCost: passCost };
}

// ---- 3. prompt lookup on an edit task ----
async function promptLookup() {
  const problems = humanEval(12);
  const e = engine();
  await e.load();
  const rows = [];
  for (const inputGrounded of [false, true]) {
    const results = [];
    const t0 = performance.now();
    for (const p of problems) {
      const code = p.prompt + p.canonical_solution + p.suffix;
      results.push(await e.complete({ messages: [{ role: "user", text: `Rename the variables in this code:\n${code}` }], maxTokens: 64, inputGrounded }));
    }
    rows.push(summarize(inputGrounded ? "promptLookup" : "plain", { results, ms: performance.now() - t0 }, rows[0] ? { results: rows[0].results, ms: rows[0].ms } : null));
    rows[rows.length - 1].results = results;
  }
  await e.dispose();
  for (const r of rows) delete r.results;
  return { task: "chat rewrite of 12 HumanEval solutions (general chat template)", runs: rows };
}

// ---- 4. typing session ----
async function typing() {
  const file = args.file ?? fileURLToPath(new URL("node_modules/vscode-languageserver/lib/common/server.js", root));
  const text = readFileSync(file, "utf8");
  // Type the 200 characters that follow a position in the middle of the file (lines kept whole).
  const start = text.indexOf("\n", Math.floor(text.length / 2)) + 1;
  const typed = text.slice(start, start + KEYSTROKES);
  const before = text.slice(0, start);
  const after = text.slice(start + KEYSTROKES);
  const layouts = [];
  for (const layout of ["psm", "psm-line", "psm-block", "spm"]) {
    const e = engine({}, { fimLayout: layout });
    await e.load();
    let prompt = 0, evaluated = 0, reused = 0;
    const latencies = [];
    const perKey = [];
    // The first request (empty cache) is reported separately: the session starts warm.
    const cold = await e.infill({ cursor: Cursor.between(before, after), maxTokens: 8, path: file.split("/").pop() });
    for (let i = 1; i <= typed.length; i++) {
      const r = await e.infill({ cursor: Cursor.between(before + typed.slice(0, i), after), maxTokens: 8, path: file.split("/").pop() });
      prompt += r.tokens.prompt;
      evaluated += r.tokens.evaluated;
      reused += r.tokens.reused;
      perKey.push(r.tokens.evaluated);
      latencies.push(r.timings.totalMs);
    }
    layouts.push({
      layout,
      cold: { evaluated: cold.tokens.evaluated, ms: round(cold.timings.totalMs) },
      promptTokensPerRequest: round(prompt / typed.length, 0),
      evaluated,
      reused,
      reusedFraction: round(reused / prompt, 4),
      evaluatedPerKeystroke: { mean: round(evaluated / typed.length, 1), p50: pct(perKey, 50), p95: pct(perKey, 95) },
      latencyMs: { p50: round(pct(latencies, 50)), p95: round(pct(latencies, 95)) },
    });
    await e.dispose();
  }
  return { file: file.replace(fileURLToPath(root), ""), keystrokes: typed.length, newlinesTyped: (typed.match(/\n/g) ?? []).length, maxTokens: 8, layouts };
}

const report = {
  machine: { logicalCpus: availableParallelism(), physicalCores: physicalCores(), cpu: cpus()[0]?.model ?? "?" },
  throughput: [await throughput(MODEL, 1), await throughput(MODEL, 2), await throughput(DRAFT, 1)],
  speculation: await speculation(),
  promptLookup: await promptLookup(),
  typing: await typing(),
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
