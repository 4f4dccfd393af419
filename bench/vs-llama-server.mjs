#!/usr/bin/env node
// dhi against llama.cpp's own llama-server /infill, same model, same threads, cache_prompt on, greedy, same
// n_predict, in one run, requests interleaved (A/B alternating) so both sides see the same machine load.
//
// 1. Engine: dhi's embedded engine alone over a typing session in a real file at 16 and 64 tokens. The window
//    is small enough that llama-server does not trim it (it keeps 3/4 of n_batch of prefix, n_batch/4 of
//    suffix). dhi runs three times: "psm" (the cursor line in the prefix: llama-server's own prompt, token for token,
//    so outputs must be identical), "psm-plain" (the same with dhi's prompt-lookup drafting off) and its
//    default "psm-line" (the cursor line after the middle token). "psm" is also set against a second llama-server
//    that drafts by n-grams itself (`--spec-type ngram-simple`; outputs must be identical there too).
// 2. LSP: the real server (`dhi --stdio`, bench/lspClient.mjs) as an editor drives it, textDocument/inlineCompletion:
//    - typing in one file at 16 and 64 tokens (the same session);
//    - one request per newly opened file (40 HumanEval single-line prompts, each its own document, 64 tokens);
//    - multi-line (24 HumanEval multi-line prompts, each its own document, 64 tokens).
//    The response budget is off (responseBudgetMs 0) so both sides do the whole generation. dhi's own
//    per-request latency records (`completion latency {…}` in its debug log) give the model time and the rest.
// Prints JSON with the dhi / llama-server ratio at P50 and P95 for each (target: <= 1.0) and writes
// bench/vs-llama-server.json and bench/vs-llama-server.md.
//   npm run build && node bench/vs-llama-server.mjs [--threads N] [--keystrokes N] [--flash-attention auto|on|off]
// The llama-server binary is built once from node-llama-cpp's bundled llama.cpp (bench/setup-llama-server.sh).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { defaultSettings } from "../dist/config/schema.js";
import { parseLatency } from "../dist/completion/latency.js";
import { buildFimPrompt } from "../dist/inference/fimPrompt.js";
import { writeFlashAttentionMeasurement } from "../dist/inference/flashAttentionChoice.js";
import { LlamaEngine } from "../dist/inference/LlamaEngine.js";
import { measureFlashAttention } from "../dist/inference/measureFlashAttention.js";
import { Cursor } from "../dist/text/Cursor.js";
import { Logger } from "../dist/util/logger.js";
import { startLlamaServer } from "./llamaServer.mjs";
import { positionAt, startDhi } from "./lspClient.mjs";

const { values: args } = parseArgs({ options: { threads: { type: "string" }, keystrokes: { type: "string" }, "flash-attention": { type: "string" }, "no-write": { type: "boolean" } } });
const threads = Number(args.threads ?? 1);
const keystrokes = Number(args.keystrokes ?? 60);
const LENGTHS = [16, 64];
// dhi's setting ("auto" unless given): on | off | auto.
const flashAttention = { on: true, off: false, auto: "auto" }[args["flash-attention"] ?? "auto"];
const root = new URL("..", import.meta.url);
const MODEL = fileURLToPath(new URL("../shared/models/dhi-fim-4m.gguf", root));
const BENCH_DATA = new URL("../shared/bench-data/human-eval-infilling/", root);
const CTX = 2048;

// dhi as `dhi setup` leaves it: flash attention measured for this model on this CPU ("auto" follows it).
const LOAD_AT_START = Math.round(loadavg()[0] * 100) / 100;
const SETUP_ENV = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-vs-llama-server-setup-")) };
const flashAttentionMeasurement = await measureFlashAttention(MODEL, { threads });
writeFlashAttentionMeasurement(flashAttentionMeasurement, SETUP_ENV);

async function llamaServerInfill(prefix, suffix, nPredict, inputExtra = [], target = server) {
  const lineStart = prefix.lastIndexOf("\n") + 1;
  const t0 = performance.now();
  const res = await fetch(`${target.url}/infill`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input_prefix: prefix.slice(0, lineStart), prompt: prefix.slice(lineStart), input_suffix: suffix, input_extra: inputExtra, n_predict: nPredict, temperature: 0, top_k: 1, cache_prompt: true, stream: false, samplers: ["top_k"], return_tokens: true }),
  });
  const json = await res.json();
  const ms = performance.now() - t0;
  // Time to first token as the client sees it: total minus the server's own generation time.
  return { ms, ttftMs: ms - (json.timings?.predicted_ms ?? 0), text: json.content, tokenIds: json.tokens, evaluated: json.timings?.prompt_n, promptTokens: (json.timings?.cache_n ?? 0) + (json.timings?.prompt_n ?? 0), generated: json.timings?.predicted_n, predictedMs: json.timings?.predicted_ms, modelMs: (json.timings?.prompt_ms ?? 0) + (json.timings?.predicted_ms ?? 0) };
}

// A typing session in a real file (the workload llama.vim sends).
const file = fileURLToPath(new URL("node_modules/vscode-languageserver/lib/common/server.js", root));
const source = readFileSync(file, "utf8");
const start = source.indexOf("\n", Math.floor(source.length / 2)) + 1;
const typed = source.slice(start, start + keystrokes);
const before = source.slice(source.indexOf("\n", start - 900) + 1, start);
const after = source.slice(start + keystrokes, start + keystrokes + 300);

function humanEval(name, count) {
  const lines = gunzipSync(readFileSync(new URL(name, BENCH_DATA))).toString("utf8").trim().split("\n");
  const seen = new Set();
  const out = [];
  for (const line of lines) {
    const p = JSON.parse(line);
    const task = p.task_id.split("/").slice(0, -1).join("/");
    if (seen.has(task)) continue;
    seen.add(task);
    out.push(p);
    if (out.length >= count) break;
  }
  return out;
}

const pct = (xs, p) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))] : null;
};
const r2 = (x) => (x == null ? null : Math.round(x * 100) / 100);
const p5095 = (xs) => ({ p50: r2(pct(xs, 50)), p95: r2(pct(xs, 95)) });
const sum = (rs, k) => rs.reduce((n, r) => n + (r[k] ?? 0), 0);

// ---- 1. the engine alone ----

const s = defaultSettings();
// "psm-plain": llama-server's prompt with dhi's prompt-lookup drafting off (model.speculation.completionLookup false),
// so the per-token cost of plain decoding stays measured beside dhi as set up ("auto": on where `dhi setup` measured
// it faster for this model, as it does on this project's machine).
const ENGINE_RUNS = { psm: { layout: "psm" }, "psm-plain": { layout: "psm", speculation: { completionLookup: false } }, "psm-line": { layout: "psm-line" } };
const engines = {};
let info;
for (const [name, run] of Object.entries(ENGINE_RUNS)) {
  engines[name] = new LlamaEngine({ model: { ...s.model, path: MODEL, threads, contextSize: CTX, flashAttention }, logger: new Logger("error"), fimLayout: run.layout, speculation: run.speculation, env: SETUP_ENV });
  info = await engines[name].load();
}
if (info.llamaBuild === "prebuilt") {
  process.stderr.write("[vs-llama-server] dhi runs node-llama-cpp's prebuilt llama.cpp; `npm run build:llama` builds it for this CPU like llama-server (a like-for-like comparison)\n");
}

// llama-server runs as dhi does: the same flash attention choice (the two kernels round differently, which flips
// near-ties late in a greedy generation), and `-n` set to the longest n_predict used. Its /infill takes
// n_ctx - n_batch - 2*n_predict tokens of its repo-level extra context with the *server's* n_predict, which defaults
// to -1: 2 tokens, so every bare request would start with the tail of "<file_sep>filename\n" before BOS.
const serverArgs = ["-fa", info.flashAttention === true ? "on" : "off", "-n", String(Math.max(...LENGTHS))];
const server = await startLlamaServer({ model: MODEL, threads, contextSize: CTX, extraArgs: serverArgs });
// llama-server takes input_extra only within n_ctx - n_batch - 2*n_predict tokens: none at its default batch of
// 2048 in a 2048 context. This one runs with llama.vim's recommended batch (1024) and --cache-reuse 256 (its ring
// moves, as dhi's does) for the extra-context patterns.
const ringServer = await startLlamaServer({ model: MODEL, threads, contextSize: CTX, extraArgs: [...serverArgs, "-b", "1024", "-ub", "1024", "--cache-reuse", "256"] });
// llama-server with its own n-gram drafting, the engine rows' second reference: dhi drafts by prompt lookup where
// `dhi setup` measured that faster. ngram-simple with 2-token n-grams and 2-token drafts was llama-server's fastest of the n-gram settings
// tried on this session (ngram-simple 2/2 and 3/4, ngram-map-k 2/2), and the only one faster than none.
const NGRAM_ARGS = ["--spec-type", "ngram-simple", "--spec-ngram-simple-size-n", "2", "--spec-ngram-simple-size-m", "2"];
const ngramServer = await startLlamaServer({ model: MODEL, threads, contextSize: CTX, extraArgs: [...serverArgs, ...NGRAM_ARGS] });

/**
 * Where a dhi output first differs from llama-server's, and how close the model's top two choices were there
 * (dhi's probabilities, a fresh evaluation of the prompt plus the shared tokens): a near-tie is numerics.
 */
async function divergence(e, prefix, suffix, maxTokens, dhiTokens, serverTokens) {
  if (!Array.isArray(serverTokens)) return null;
  let at = 0;
  while (at < dhiTokens.length && at < serverTokens.length && dhiTokens[at] === serverTokens[at]) at++;
  if (at === dhiTokens.length && at === serverTokens.length) return null;
  const s = e.internals;
  const prompt = buildFimPrompt(s.model, s.fim, { cursor: Cursor.between(prefix, suffix) }, { layout: "psm", budget: s.sequence.contextSize - maxTokens - 1 });
  const context = await s.model.createContext({ contextSize: CTX, threads });
  try {
    const tokens = [...prompt.tokens, ...dhiTokens.slice(0, at)];
    const out = await context.getSequence().controlledEvaluate(tokens.map((t, i) => (i === tokens.length - 1 ? [t, { generateNext: { probabilities: true } }] : t)));
    const ranked = [...(out.at(-1)?.next.probabilities?.entries() ?? [])];
    return { at, top2: [r2(ranked[0]?.[1] ?? 0), r2(ranked[1]?.[1] ?? 0)], margin: (ranked[0]?.[1] ?? 0) - (ranked[1]?.[1] ?? 0) };
  } finally {
    await context.dispose();
  }
}

function engineReport(rs) {
  const dhi = rs.map((r) => r.dhiMs);
  const srv = rs.map((r) => r.serverMs);
  return {
    identicalOutputs: rs.filter((r) => r.same).length,
    dhiMs: p5095(dhi),
    llamaServerMs: p5095(srv),
    ratio: { p50: r2(pct(dhi, 50) / pct(srv, 50)), p95: r2(pct(dhi, 95) / pct(srv, 95)), perRequestP50: r2(pct(rs.map((r) => r.dhiMs / r.serverMs), 50)) },
    timeToFirstTokenMs: { dhi: p5095(rs.map((r) => r.dhiTtftMs)), llamaServer: p5095(rs.map((r) => r.serverTtftMs)) },
    evaluatedTokens: { dhi: sum(rs, "dhiEvaluated"), llamaServer: sum(rs, "serverEvaluated") },
    generatedTokens: { dhi: sum(rs, "dhiGenerated"), llamaServer: sum(rs, "serverGenerated") },
    // dhi's model passes (prompt chunks and generation steps): fewer than its tokens where drafts were confirmed.
    dhiPasses: sum(rs, "dhiPasses"),
    // Where outputs differed: the first differing token and the top-2 probability margin there.
    divergences: {
      count: rs.filter((r) => r.divergence).length,
      firstTokenP50: pct(rs.filter((r) => r.divergence).map((r) => r.divergence.at), 50),
      marginMax: r2(Math.max(0, ...rs.filter((r) => r.divergence).map((r) => r.divergence.margin))),
      examples: rs.filter((r) => r.divergence).slice(0, 3).map((r) => r.divergence),
    },
  };
}

async function engineTyping(maxTokens) {
  const rows = { psm: [], "psm-plain": [], "psm-line": [], "psm-vs-ngram": [] };
  for (const e of Object.values(engines)) await e.infill({ cursor: Cursor.between(before, after), maxTokens }); // warm-up
  await llamaServerInfill(before, after, maxTokens);
  await llamaServerInfill(before, after, maxTokens, [], ngramServer);
  for (let i = 1; i <= typed.length; i++) {
    const prefix = before + typed.slice(0, i);
    const l = await llamaServerInfill(prefix, after, maxTokens);
    const n = await llamaServerInfill(prefix, after, maxTokens, [], ngramServer);
    for (const [name, e] of Object.entries(engines)) {
      const d = await e.infill({ cursor: Cursor.between(prefix, after), maxTokens });
      const samePrompt = ENGINE_RUNS[name].layout === "psm";
      const diverged = samePrompt && d.text !== l.text ? await divergence(e, prefix, after, maxTokens, d.tokenIds ?? [], l.tokenIds) : null;
      const row = (server) => ({ divergence: diverged, dhiMs: d.timings.totalMs, serverMs: server.ms, dhiTtftMs: d.timings.promptMs, serverTtftMs: server.ttftMs, same: d.text === server.text, dhiEvaluated: d.tokens.evaluated, serverEvaluated: server.evaluated, dhiGenerated: d.tokens.generated, serverGenerated: server.generated, dhiPasses: d.speculation.targetPasses });
      rows[name].push(row(l));
      if (name === "psm") rows["psm-vs-ngram"].push(row(n));
    }
  }
  return { requests: typed.length, maxTokens, ...Object.fromEntries(Object.entries(rows).map(([name, rs]) => [name, engineReport(rs)])) };
}

const engineResults = {};
for (const n of LENGTHS) engineResults[`typing${n}`] = await engineTyping(n);
for (const e of Object.values(engines)) await e.dispose();

// ---- 2. through the LSP ----

/** The file each dhi server is warmed up with (so it is in dhi's recent-files ring too). */
const WARM_FILE = { path: "warm.py", text: "def f(x):\n    return " };

/** One dhi server per pattern (a fresh cache and recent-files ring), warmed up with one request. */
async function withDhi(maxTokens, work, completion = {}) {
  const rootDir = mkdtempSync(join(tmpdir(), "dhi-vs-llama-server-"));
  const settings = { model: { path: MODEL, threads, contextSize: CTX, flashAttention }, completion: { maxTokens, responseBudgetMs: 0, ...completion }, index: { enabled: false } };
  const dhi = await startDhi({ root: rootDir, settings, env: SETUP_ENV });
  const warm = pathToFileURL(join(rootDir, WARM_FILE.path)).href;
  await dhi.open(warm, "python", WARM_FILE.text);
  await dhi.inline(warm, { line: 1, character: 11 });
  try {
    return await work(dhi, rootDir);
  } finally {
    await dhi.stop();
  }
}

/** A dhi request and a llama-server request for the same text, in alternating order. */
async function pair(i, dhiRequest, serverRequest) {
  if (i % 2 === 0) {
    const d = await dhiRequest();
    return { d, l: await serverRequest() };
  }
  const l = await serverRequest();
  return { d: await dhiRequest(), l };
}

/** The latency record dhi logged for the request just answered. */
function lastLatency(dhi, from) {
  for (let k = dhi.logs.length - 1; k >= from; k--) {
    const record = parseLatency(dhi.logs[k]);
    if (record) return record;
  }
  return null;
}

async function dhiInline(dhi, uri, text, offset) {
  const from = dhi.logs.length;
  const r = await dhi.inline(uri, positionAt(text, offset));
  const latency = lastLatency(dhi, from);
  const modelMs = latency ? (latency.phases.prompt ?? 0) + (latency.phases.generation ?? 0) : 0;
  return { ...r, latency, modelMs };
}

function lspReport(rows) {
  const dhi = rows.map((r) => r.d.ms);
  const srv = rows.map((r) => r.l.ms);
  const outcomes = {};
  for (const r of rows) outcomes[r.d.latency?.outcome ?? "unknown"] = (outcomes[r.d.latency?.outcome ?? "unknown"] ?? 0) + 1;
  return {
    requests: rows.length,
    dhiMs: p5095(dhi),
    llamaServerMs: p5095(srv),
    ratio: { p50: r2(pct(dhi, 50) / pct(srv, 50)), p95: r2(pct(dhi, 95) / pct(srv, 95)) },
    // Everything but the model's prompt evaluation and generation, as dhi's own records split it.
    dhiOutsideModelMs: p5095(rows.map((r) => r.d.ms - r.d.modelMs)),
    // The same, from the request read off the wire to the end of its record, in the server (without the answer's
    // write and the client's reading of it; a keystroke without a record counts as 0).
    dhiServerOutsideModelMs: p5095(rows.map((r) => (r.d.latency ? r.d.latency.totalMs - r.d.modelMs : 0))),
    dhiModelMs: p5095(rows.map((r) => r.d.modelMs)),
    llamaServerModelMs: p5095(rows.map((r) => r.l.modelMs)),
    dhiOutcomes: outcomes,
    // The server's garbage-collection pauses during each request (inside the times above), and during the slowest 5%.
    dhiGcMs: p5095(rows.map((r) => r.d.latency?.gcMs ?? 0)),
    dhiGcInSlowestMs: [...rows].sort((a, b) => b.d.ms - a.d.ms).slice(0, Math.max(1, Math.ceil(rows.length / 20))).map((r) => r.d.latency?.gcMs ?? 0),
    // The slowest 5% of dhi's requests, beside llama-server's for the same text: where dhi's tail time goes.
    dhiSlowest: [...rows].sort((a, b) => b.d.ms - a.d.ms).slice(0, Math.max(1, Math.ceil(rows.length / 20))).map((r) => ({
      dhiMs: r2(r.d.ms),
      llamaServerMs: r2(r.l.ms),
      dhiPromptTokens: r.d.latency?.tokens.prompt ?? null,
      llamaServerPromptTokens: r.l.promptTokens ?? null,
      dhiEvaluated: r.d.latency?.tokens.evaluated ?? null,
      llamaServerEvaluated: r.l.evaluated ?? null,
      dhiGenerated: r.d.latency?.tokens.generated ?? null,
      dhiSteps: r.d.latency?.steps ?? null,
      llamaServerGenerated: r.l.generated ?? null,
      dhiWaiting: r.d.latency?.waiting ?? null,
      dhiPhases: r.d.latency?.phases ?? null,
    })),
    // Time per generated token where both sides generated at least 32 (the model's steps, without the prompt):
    // llama-server's predicted_ms, and dhi's generation phase split into its waits for llama.cpp's decode and sampler
    // (each with a round trip to node-llama-cpp's worker thread) and the rest, dhi's own per-token work.
    perGeneratedTokenMs: perTokenReport(rows),
    evaluatedTokens: { dhi: rows.reduce((n, r) => n + (r.d.latency?.tokens.evaluated ?? 0), 0), llamaServer: rows.reduce((n, r) => n + (r.l.evaluated ?? 0), 0) },
    generatedTokens: { dhi: rows.reduce((n, r) => n + (r.d.latency?.tokens.generated ?? 0), 0), llamaServer: rows.reduce((n, r) => n + (r.l.generated ?? 0), 0) },
  };
}

/** Medians over the requests where both sides generated at least 32 tokens; null when there are none. */
function perTokenReport(rows) {
  const long = rows.filter((r) => (r.d.latency?.tokens.generated ?? 0) >= 32 && (r.l.generated ?? 0) >= 32 && r.d.latency?.steps.decodeWaitMs !== undefined);
  if (long.length === 0) return null;
  const per = long.map((r) => {
    const { tokens, phases, steps } = r.d.latency;
    // The first token comes with the prompt's evaluation on both sides.
    const n = tokens.generated - 1;
    return {
      dhi: phases.generation / n,
      decodeWait: steps.decodeWaitMs / n,
      sampleWait: steps.sampleWaitMs / n,
      dhiRest: (phases.generation - steps.decodeWaitMs - steps.sampleWaitMs) / n,
      llamaServer: r.l.predictedMs / (r.l.generated - 1),
      depth: tokens.prompt,
    };
  });
  const med = (key) => r2(pct(per.map((p) => p[key]), 50));
  return {
    requests: long.length,
    promptDepthP50: med("depth"),
    dhi: med("dhi"),
    dhiDecodeWait: med("decodeWait"),
    dhiSampleWait: med("sampleWait"),
    dhiRest: med("dhiRest"),
    llamaServer: med("llamaServer"),
    ratioP50: r2(pct(per.map((p) => p.dhi / p.llamaServer), 50)),
  };
}

async function lspTyping(maxTokens) {
  return withDhi(maxTokens, async (dhi, rootDir) => {
    const uri = pathToFileURL(join(rootDir, "server.js")).href;
    await dhi.open(uri, "javascript", before + after);
    await llamaServerInfill(before, after, maxTokens);
    const rows = [];
    for (let i = 1; i <= typed.length; i++) {
      const prefix = before + typed.slice(0, i);
      const text = prefix + after;
      await dhi.change(uri, text);
      rows.push(await pair(i, () => dhiInline(dhi, uri, text, prefix.length), () => llamaServerInfill(prefix, after, maxTokens)));
    }
    return lspReport(rows);
  });
}

/**
 * What llama.vim sends llama-server as `input_extra` (its ring of recently opened files, oldest first) for the
 * same files dhi's recent-files ring holds: the newest earlier files whose text fits dhi's default budget for
 * extra context (contextTokens.retrieved, 1024 tokens; ~3.5 characters per token).
 */
/** The files dhi's last prefill put before the new file (its debug log), as llama-server `input_extra`. */
function prefilledRing(logs, opened) {
  const line = logs.findLast((l) => l.startsWith("completion: prefilled "));
  const files = /\(([^)]*)\)/.exec(line ?? "")?.[1]?.split(", ").filter(Boolean) ?? [];
  return files.map((filename) => {
    if (!opened.has(filename)) throw new Error(`dhi's ring holds ${filename}, which this bench did not open`);
    return { filename, text: opened.get(filename) };
  });
}

/**
 * One request per newly opened file. With `pauseMs`, the editor is idle that long after each open (dhi updates and
 * evaluates its recent-files ring meanwhile); with `ringOnBothSides` too, llama-server then gets the files dhi's ring
 * holds as `input_extra`, after llama.vim's idle ring update (a request with n_predict 0) put them in its cache.
 */
async function lspNewFiles(problems, maxTokens, completion = {}, { ringOnBothSides = false, pauseMs = 0 } = {}) {
  return withDhi(maxTokens, async (dhi, rootDir) => {
    const rows = [];
    const opened = new Map([[WARM_FILE.path, WARM_FILE.text]]);
    for (const [i, p] of problems.entries()) {
      const uri = pathToFileURL(join(rootDir, `p${i}.py`)).href;
      const text = p.prompt + p.suffix;
      const from = dhi.logs.length;
      await dhi.open(uri, "python", text);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      const extra = ringOnBothSides ? prefilledRing(dhi.logs.slice(from), opened) : [];
      if (extra.length > 0) await llamaServerInfill("", "", 0, extra, ringServer);
      rows.push(await pair(i, () => dhiInline(dhi, uri, text, p.prompt.length), () => llamaServerInfill(p.prompt, p.suffix, maxTokens, extra, ringOnBothSides ? ringServer : server)));
      opened.set(`p${i}.py`, text);
    }
    return lspReport(rows);
  }, completion);
}

// Requests per newly-opened-file pattern. A P95 over n requests is the (n - floor(0.95 n))-th slowest: over 12 it was
// the slowest one, so a single stall of the machine decided it.
const NEW_FILES = 40;
const MULTI_LINE_FILES = 24;
const lsp = {};
for (const n of LENGTHS) lsp[`typing${n}`] = await lspTyping(n);
// dhi's default, files opened one after another without a pause: its ring changes only when the editor is idle.
lsp.newlyOpenedFiles64 = await lspNewFiles(humanEval("HumanEval-SingleLineInfilling.jsonl.gz", NEW_FILES), 64);
lsp.multiLine64 = await lspNewFiles(humanEval("HumanEval-MultiLineInfilling.jsonl.gz", MULTI_LINE_FILES), 64);
// The same two with the recent-files ring off (no extra context): the same prompt content llama-server gets.
const bare = { contextTokens: { prefix: 1024, suffix: 512, retrieved: 0 } };
lsp.newlyOpenedFiles64NoExtraContext = await lspNewFiles(humanEval("HumanEval-SingleLineInfilling.jsonl.gz", NEW_FILES), 64, bare);
lsp.multiLine64NoExtraContext = await lspNewFiles(humanEval("HumanEval-MultiLineInfilling.jsonl.gz", MULTI_LINE_FILES), 64, bare);
// A 500 ms pause after each open: dhi's ring in use, and the same files as input_extra for llama-server (llama.vim).
lsp.newlyOpenedFiles64SameExtraContext = await lspNewFiles(humanEval("HumanEval-SingleLineInfilling.jsonl.gz", NEW_FILES), 64, {}, { ringOnBothSides: true, pauseMs: 500 });
lsp.multiLine64SameExtraContext = await lspNewFiles(humanEval("HumanEval-MultiLineInfilling.jsonl.gz", MULTI_LINE_FILES), 64, {}, { ringOnBothSides: true, pauseMs: 500 });
// Not like for like: dhi's ring in use (after the pause) against bare llama-server.
lsp.newlyOpenedFiles64AfterPause = await lspNewFiles(humanEval("HumanEval-SingleLineInfilling.jsonl.gz", NEW_FILES), 64, {}, { pauseMs: 500 });
server.stop();
ringServer.stop();
ngramServer.stop();

const report = {
  model: "dhi-fim-4m.gguf",
  threads,
  // Which llama.cpp binary dhi ran (prebuilt, or built here by `npm run build:llama`) and its flash attention.
  dhiLlamaBuild: info.llamaBuild,
  dhiFlashAttention: info.flashAttention,
  llamaServerArgs: serverArgs,
  llamaServerNgramArgs: NGRAM_ARGS,
  flashAttentionMeasurement,
  loadAverage: { start: LOAD_AT_START, end: Math.round(loadavg()[0] * 100) / 100 },
  contextSize: CTX,
  keystrokes: typed.length,
  engine: engineResults,
  lsp,
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
if (!args["no-write"]) {
  writeFileSync(new URL("bench/vs-llama-server.json", root), `${JSON.stringify({ ...report, measuredAt: new Date().toISOString(), command: "node bench/vs-llama-server.mjs" }, null, 2)}\n`);
  writeFileSync(new URL("bench/vs-llama-server.md", root), markdown(report));
}
// Identical outputs are required where dhi builds llama-server's own prompt (psm: the cursor line in the prefix),
// with and without either side's drafting.
const SAME_PROMPT_ROWS = ["psm", "psm-plain", "psm-vs-ngram"];
const mismatched = LENGTHS.filter((n) => SAME_PROMPT_ROWS.some((name) => engineResults[`typing${n}`][name].identicalOutputs !== engineResults[`typing${n}`].requests));
if (mismatched.length > 0) {
  process.stderr.write(`[vs-llama-server] outputs differ from llama-server at ${mismatched.join(", ")} tokens\n`);
  process.exitCode = 1;
}

function markdown(r) {
  const row = (name, x, identical) => `| ${name} | ${x.dhiMs.p50} / ${x.dhiMs.p95} | ${x.llamaServerMs.p50} / ${x.llamaServerMs.p95} | **${x.ratio.p50} / ${x.ratio.p95}** | ${x.dhiOutsideModelMs ? `${x.dhiOutsideModelMs.p50} / ${x.dhiOutsideModelMs.p95}` : "–"} | ${x.dhiServerOutsideModelMs ? `${x.dhiServerOutsideModelMs.p50} / ${x.dhiServerOutsideModelMs.p95}` : "–"} | ${x.evaluatedTokens.dhi} / ${x.evaluatedTokens.llamaServer} | ${x.generatedTokens.dhi} / ${x.generatedTokens.llamaServer} | ${identical} |`;
  const lines = [
    "# dhi vs llama-server /infill",
    "",
    `Measured ${new Date().toISOString().slice(0, 16)} UTC with \`npm run build && node bench/vs-llama-server.mjs\` (JSON: vs-llama-server.json).`,
    `Model dhi-fim-4m.gguf, ${r.threads} thread(s), context ${r.contextSize}, greedy, the same n_predict on both sides, requests interleaved.`,
    `dhi ran llama.cpp ${r.dhiLlamaBuild} with flash attention ${r.dhiFlashAttention}, as \`dhi setup\` measured it for this model on this CPU (${r.flashAttentionMeasurement.onMs.toFixed(0)} ms on, ${r.flashAttentionMeasurement.offMs.toFixed(0)} ms off); llama-server is built here from the same llama.cpp release and runs with the same flash attention and \`-n\` at the longest n_predict (\`${r.llamaServerArgs.join(" ")}\`; see the comment in the script).`,
    "",
    `**Caveat:** a 2-core machine; load average ${r.loadAverage.start} at the start and ${r.loadAverage.end} at the end (the bench itself keeps one`,
    "core busy). Interleaving puts both sides under the same load, so read the ratios; they carry a few percent of noise.",
    "",
    "| Pattern | dhi P50 / P95 ms | llama-server P50 / P95 ms | ratio P50 / P95 | dhi outside the model P50 / P95 ms | of it in dhi's server P50 / P95 ms | evaluated tokens dhi / llama-server | generated tokens dhi / llama-server | identical outputs |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const n of LENGTHS) {
    const e = r.engine[`typing${n}`];
    lines.push(row(`engine, typing in one file, ${n} tokens, psm (llama-server's prompt; dhi as set up, prompt-lookup drafting ${r.flashAttentionMeasurement.completionLookup?.faster ?? "off"}: ${e.psm.dhiPasses} passes)`, e.psm, `${e.psm.identicalOutputs}/${e.requests}`));
    lines.push(row(`engine, typing in one file, ${n} tokens, psm, dhi without drafting (\`completionLookup: false\`)`, e["psm-plain"], `${e["psm-plain"].identicalOutputs}/${e.requests}`));
    lines.push(row(`engine, typing in one file, ${n} tokens, psm, dhi as set up against llama-server with its n-gram drafting (\`${r.llamaServerNgramArgs.join(" ")}\`)`, e["psm-vs-ngram"], `${e["psm-vs-ngram"].identicalOutputs}/${e.requests}`));
    lines.push(row(`engine, typing in one file, ${n} tokens, psm-line (dhi's default prompt)`, e["psm-line"], "different prompt"));
  }
  for (const n of LENGTHS) lines.push(row(`LSP, typing in one file, ${n} tokens`, r.lsp[`typing${n}`], "–"));
  lines.push(row("LSP, one request per newly opened file, opened one after another, 64 tokens (dhi's default: its ring changes in idle time, so these requests carry none)", r.lsp.newlyOpenedFiles64, "–"));
  lines.push(row("LSP, multi-line, each its own file, opened one after another, 64 tokens (the same)", r.lsp.multiLine64, "–"));
  lines.push(row("LSP, newly opened files, 64 tokens, the ring off (`contextTokens.retrieved: 0`)", r.lsp.newlyOpenedFiles64NoExtraContext, "–"));
  lines.push(row("LSP, multi-line, 64 tokens, the ring off", r.lsp.multiLine64NoExtraContext, "–"));
  lines.push(row("LSP, newly opened files, 64 tokens, 500 ms after each open: dhi's ring, and the same files as llama-server `input_extra` warmed as llama.vim does", r.lsp.newlyOpenedFiles64SameExtraContext, "–"));
  lines.push(row("LSP, multi-line, 64 tokens, the same", r.lsp.multiLine64SameExtraContext, "–"));
  lines.push(row("LSP, newly opened files, 64 tokens, 500 ms after each open: dhi's ring against bare llama-server (not like for like)", r.lsp.newlyOpenedFiles64AfterPause, "–"));
  lines.push(
    "",
    "Through the LSP dhi post-processes and stops early where its single/multi-line rules say so (generated tokens),",
    "answers some keystrokes from its type-through cache (see `dhiOutcomes` in the JSON), and puts its recent-files",
    "ring into a newly opened file's prompt once the editor has been idle for 250 ms (the rows with a pause);",
    "llama-server gets the bare prefix and suffix, except in the rows with the same files, where it gets those dhi's",
    "ring held as `input_extra`, put into its cache beforehand by a request with n_predict 0 (llama.vim's ring update),",
    "and runs with llama.vim's recommended `-b 1024 -ub 1024 --cache-reuse 256` (at its default batch it drops",
    "`input_extra` in a 2048 context).",
    "\"Outside the model\" is dhi's request time minus its prompt evaluation and generation, from its own",
    "per-request latency records (`completion latency {…}` in the debug log); \"in dhi's server\" is the part from the",
    "request read off the wire to the end of its record, the rest is the pipes both ways, the answer's write and the bench's client (vscode-jsonrpc,",
    "which also reads every debug-level log line dhi sends, the records among them).",
    "",
    "**Per generated token** (requests where both sides generated at least 32 tokens; medians; ms): llama-server's",
    "`predicted_ms`, and dhi's generation phase split into its wait for llama.cpp's decode and for the sampler (each",
    "from the call to its promise settling, so each holds a round trip to node-llama-cpp's worker thread) and the rest,",
    `dhi's own per-token work. dhi drafts by prompt lookup where \`dhi setup\` measured it faster (here: ${r.flashAttentionMeasurement.completionLookup?.faster ?? "off"}, ${r.flashAttentionMeasurement.completionLookup?.onMs.toFixed(0)} ms on, ${r.flashAttentionMeasurement.completionLookup?.offMs.toFixed(0)} ms off),`,
    "so one decode can yield more than one token; llama-server here decodes one token a step (its default, `--spec-type none`).",
    "",
    "| pattern | requests | prompt depth | llama-server | dhi | of it: decode wait | sampler wait | dhi's own | dhi ÷ llama-server |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const [name, pattern] of Object.entries(r.lsp)) {
    const t = pattern.perGeneratedTokenMs;
    // The ring against bare llama-server: different prompt depths, so no per-token comparison.
    if (t && name !== "newlyOpenedFiles64AfterPause") lines.push(`| ${name} | ${t.requests} | ${t.promptDepthP50} | ${t.llamaServer} | ${t.dhi} | ${t.dhiDecodeWait} | ${t.dhiSampleWait} | ${t.dhiRest} | ${t.ratioP50} |`);
  }
  lines.push("");
  return lines.join("\n");
}
