#!/usr/bin/env node
// Per-request latency of dhi's embedded engine against llama.cpp's own llama-server /infill, same model,
// same threads, cache_prompt on, greedy, over a typing session in a real file. The window is small
// enough that llama-server does not trim it (it keeps 3/4 of n_batch of prefix, n_batch/4 of suffix).
// dhi runs twice: "psm" (llama-server's own layout in this llama.cpp: the cursor line stays in the
// prefix) and its default "psm-line" (the cursor line after the middle token).
// Prints JSON with the dhi / llama-server latency ratio at P50 and P95 (target: <= 1.0).
//   npx tsc -p . && node bench/vs-llama-server.mjs [--threads N] [--keystrokes N] [--flash-attention auto|on|off]
// The llama-server binary is built once from node-llama-cpp's bundled llama.cpp (bench/setup-llama-server.sh).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { defaultSettings } from "../dist/config/schema.js";
import { LlamaEngine } from "../dist/inference/LlamaEngine.js";
import { Logger } from "../dist/util/logger.js";
import { startLlamaServer } from "./llamaServer.mjs";

const { values: args } = parseArgs({ options: { threads: { type: "string" }, keystrokes: { type: "string" }, "max-tokens": { type: "string" }, "flash-attention": { type: "string" } } });
const threads = Number(args.threads ?? 1);
const keystrokes = Number(args.keystrokes ?? 120);
const maxTokens = Number(args["max-tokens"] ?? 16);
// dhi's setting ("auto" unless given): on | off | auto.
const flashAttention = { on: true, off: false, auto: "auto" }[args["flash-attention"] ?? "auto"];
const root = new URL("..", import.meta.url);
const MODEL = fileURLToPath(new URL("../shared/models/dhi-fim-4m.gguf", root));
const CTX = 2048;

const server = await startLlamaServer({ model: MODEL, threads, contextSize: CTX });
const base = server.url;

async function llamaServerInfill(prefix, suffix) {
  const lineStart = prefix.lastIndexOf("\n") + 1;
  const t0 = performance.now();
  const res = await fetch(`${base}/infill`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input_prefix: prefix.slice(0, lineStart), prompt: prefix.slice(lineStart), input_suffix: suffix, input_extra: [], n_predict: maxTokens, temperature: 0, top_k: 1, cache_prompt: true, stream: false, samplers: ["top_k"] }),
  });
  const json = await res.json();
  const ms = performance.now() - t0;
  // Time to first token as the client sees it: total minus the server's own generation time.
  return { ms, ttftMs: ms - (json.timings?.predicted_ms ?? 0), text: json.content, evaluated: json.timings?.prompt_n, generated: json.timings?.predicted_n };
}

const s = defaultSettings();
const engines = {};
let info;
for (const layout of ["psm", "psm-line"]) {
  engines[layout] = new LlamaEngine({ model: { ...s.model, path: MODEL, threads, contextSize: CTX, flashAttention }, logger: new Logger("error"), fimLayout: layout });
  info = await engines[layout].load();
}
if (info.llamaBuild === "prebuilt") {
  process.stderr.write("[vs-llama-server] dhi runs node-llama-cpp's prebuilt llama.cpp; `npm run build:llama` builds it for this CPU like llama-server (a like-for-like comparison)\n");
}

// A typing session in a real file (the workload llama.vim sends), plus the same requests as one-offs.
const file = fileURLToPath(new URL("node_modules/vscode-languageserver/lib/common/server.js", root));
const text = readFileSync(file, "utf8");
const start = text.indexOf("\n", Math.floor(text.length / 2)) + 1;
const typed = text.slice(start, start + keystrokes);
const before = text.slice(text.indexOf("\n", start - 900) + 1, start);
const after = text.slice(start + keystrokes, start + keystrokes + 300);

const rows = { psm: [], "psm-line": [] };
// Warm-up (the first request fills each cache).
for (const e of Object.values(engines)) await e.infill({ prefix: before, suffix: after, maxTokens });
await llamaServerInfill(before, after);
for (let i = 1; i <= typed.length; i++) {
  const prefix = before + typed.slice(0, i);
  // Interleaved so machine load affects all three alike.
  const l = await llamaServerInfill(prefix, after);
  for (const [layout, e] of Object.entries(engines)) {
    const d = await e.infill({ prefix, suffix: after, maxTokens });
    rows[layout].push({ dhiMs: d.timings.totalMs, serverMs: l.ms, dhiTtftMs: d.timings.promptMs, serverTtftMs: l.ttftMs, same: d.text === l.text, dhiEvaluated: d.tokens.evaluated, serverEvaluated: l.evaluated, dhiGenerated: d.tokens.generated, serverGenerated: l.generated });
  }
}
server.stop();
for (const e of Object.values(engines)) await e.dispose();

const pct = (xs, p) => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
};
const r2 = (x) => Math.round(x * 100) / 100;
function report(rs) {
  const dhi = rs.map((r) => r.dhiMs);
  const srv = rs.map((r) => r.serverMs);
  const ratios = rs.map((r) => r.dhiMs / r.serverMs);
  const sum = (k) => rs.reduce((n, r) => n + (r[k] ?? 0), 0);
  return {
    identicalOutputs: rs.filter((r) => r.same).length,
    dhiMs: { p50: r2(pct(dhi, 50)), p95: r2(pct(dhi, 95)) },
    llamaServerMs: { p50: r2(pct(srv, 50)), p95: r2(pct(srv, 95)) },
    ratio: { p50: r2(pct(dhi, 50) / pct(srv, 50)), p95: r2(pct(dhi, 95) / pct(srv, 95)), perRequestP50: r2(pct(ratios, 50)), perRequestP95: r2(pct(ratios, 95)) },
    timeToFirstTokenMs: {
      dhi: { p50: r2(pct(rs.map((r) => r.dhiTtftMs), 50)), p95: r2(pct(rs.map((r) => r.dhiTtftMs), 95)) },
      llamaServer: { p50: r2(pct(rs.map((r) => r.serverTtftMs), 50)), p95: r2(pct(rs.map((r) => r.serverTtftMs), 95)) },
      ratioP50: r2(pct(rs.map((r) => r.dhiTtftMs), 50) / pct(rs.map((r) => r.serverTtftMs), 50)),
      ratioP95: r2(pct(rs.map((r) => r.dhiTtftMs), 95) / pct(rs.map((r) => r.serverTtftMs), 95)),
    },
    evaluatedTokens: { dhi: sum("dhiEvaluated"), llamaServer: sum("serverEvaluated") },
    generatedTokens: { dhi: sum("dhiGenerated"), llamaServer: sum("serverGenerated") },
  };
}
process.stdout.write(`${JSON.stringify({
  model: "dhi-fim-4m.gguf",
  threads,
  // Which llama.cpp binary dhi ran (prebuilt, or built here by `npm run build:llama`) and its flash attention.
  dhiLlamaBuild: info.llamaBuild,
  dhiFlashAttention: info.flashAttention,
  contextSize: CTX,
  requests: typed.length,
  maxTokens,
  layouts: { psm: report(rows.psm), "psm-line": report(rows["psm-line"]) },
}, null, 2)}\n`);
