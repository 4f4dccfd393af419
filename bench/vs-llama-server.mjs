#!/usr/bin/env node
// Per-request latency of dhi's embedded engine against llama.cpp's own llama-server /infill, same model,
// same threads, cache_prompt on, same FIM layout (cursor line after the middle token), greedy.
// Prints JSON with the dhi / llama-server latency ratio at P50 and P95 (target: <= 1.0).
//   npx tsc -p . && node bench/vs-llama-server.mjs [--threads N] [--keystrokes N]
// The llama-server binary is built once from node-llama-cpp's bundled llama.cpp (bench/setup-llama-server.sh).
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { defaultSettings } from "../dist/config/schema.js";
import { LlamaEngine } from "../dist/inference/LlamaEngine.js";
import { Logger } from "../dist/util/logger.js";

const { values: args } = parseArgs({ options: { threads: { type: "string" }, keystrokes: { type: "string" }, "max-tokens": { type: "string" } } });
const threads = Number(args.threads ?? 1);
const keystrokes = Number(args.keystrokes ?? 120);
const maxTokens = Number(args["max-tokens"] ?? 16);
const root = new URL("..", import.meta.url);
const MODEL = fileURLToPath(new URL("../shared/models/dhi-fim-4m.gguf", root));
const CTX = 2048;

const setup = spawnSync("bash", [fileURLToPath(new URL("bench/setup-llama-server.sh", root))], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
if (setup.status !== 0) {
  process.stderr.write("dhi bench: could not build llama-server (see above)\n");
  process.exit(1);
}
const bin = setup.stdout.trim().split("\n").at(-1);

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const server = spawn(bin, ["-m", MODEL, "--host", "127.0.0.1", "--port", String(port), "-t", String(threads), "-tb", String(threads), "-c", String(CTX), "-np", "1", "-b", "512"], { stdio: ["ignore", "ignore", "pipe"] });
let serverLog = "";
server.stderr.on("data", (d) => (serverLog = (serverLog + d).slice(-4000)));
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    const r = await fetch(`${base}/health`);
    if (r.ok) break;
  } catch {}
  if (i > 300) {
    server.kill();
    process.stderr.write(`dhi bench: llama-server did not start:\n${serverLog}\n`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}

async function llamaServerInfill(prefix, suffix) {
  const lineStart = prefix.lastIndexOf("\n") + 1;
  const t0 = performance.now();
  const res = await fetch(`${base}/infill`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input_prefix: prefix.slice(0, lineStart), prompt: prefix.slice(lineStart), input_suffix: suffix, input_extra: [], n_predict: maxTokens, temperature: 0, top_k: 1, cache_prompt: true, stream: false, samplers: ["top_k"] }),
  });
  const json = await res.json();
  return { ms: performance.now() - t0, text: json.content, evaluated: json.timings?.prompt_n, generated: json.timings?.predicted_n };
}

const s = defaultSettings();
const engine = new LlamaEngine({ model: { ...s.model, path: MODEL, threads, contextSize: CTX }, logger: new Logger("error"), fimLayout: "psm-line" });
await engine.load();

// A typing session in a real file (the workload llama.vim sends), plus the same requests as one-offs.
const file = fileURLToPath(new URL("node_modules/vscode-languageserver/lib/common/server.js", root));
const text = readFileSync(file, "utf8");
const start = text.indexOf("\n", Math.floor(text.length / 2)) + 1;
const typed = text.slice(start, start + keystrokes);
// Both sides get the same window: ~1024 tokens of prefix lines and 512 of suffix (the completion defaults).
const before = text.slice(Math.max(0, start - 3000), start);
const after = text.slice(start + keystrokes, start + keystrokes + 1500);

const rows = [];
// Warm-up both (first request fills the cache).
await engine.infill({ prefix: before, suffix: after, maxTokens });
await llamaServerInfill(before, after);
for (let i = 1; i <= typed.length; i++) {
  const prefix = before + typed.slice(0, i);
  const d = await engine.infill({ prefix, suffix: after, maxTokens });
  const l = await llamaServerInfill(prefix, after);
  rows.push({ dhiMs: d.timings.totalMs, serverMs: l.ms, same: d.text === l.text, dhiEvaluated: d.tokens.evaluated, serverEvaluated: l.evaluated, dhiGenerated: d.tokens.generated, serverGenerated: l.generated });
}
server.kill();
await engine.dispose();

const pct = (xs, p) => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
};
const r2 = (x) => Math.round(x * 100) / 100;
const dhi = rows.map((r) => r.dhiMs);
const srv = rows.map((r) => r.serverMs);
const ratios = rows.map((r) => r.dhiMs / r.serverMs);
const sum = (k) => rows.reduce((n, r) => n + (r[k] ?? 0), 0);
process.stdout.write(`${JSON.stringify({
  model: "dhi-fim-4m.gguf",
  threads,
  contextSize: CTX,
  requests: rows.length,
  maxTokens,
  identicalOutputs: rows.filter((r) => r.same).length,
  dhiMs: { p50: r2(pct(dhi, 50)), p95: r2(pct(dhi, 95)) },
  llamaServerMs: { p50: r2(pct(srv, 50)), p95: r2(pct(srv, 95)) },
  ratio: { p50: r2(pct(dhi, 50) / pct(srv, 50)), p95: r2(pct(dhi, 95) / pct(srv, 95)), perRequestP50: r2(pct(ratios, 50)), perRequestP95: r2(pct(ratios, 95)) },
  evaluatedTokens: { dhi: sum("dhiEvaluated"), llamaServer: sum("serverEvaluated") },
  generatedTokens: { dhi: sum("dhiGenerated"), llamaServer: sum("serverGenerated") },
}, null, 2)}\n`);
