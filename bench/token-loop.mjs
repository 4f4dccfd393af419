#!/usr/bin/env node
// Where a generated token's time goes: llama.cpp's own decode (its performance counters, the same in any host)
// against node-llama-cpp's whole evaluate() loop around it, next to llama-server's time per generated token, on the
// same prompt and model, greedy, one thread, 64 tokens, flash attention off on both sides. Prints JSON.
//   npm run build && node bench/token-loop.mjs
// node-llama-cpp makes two calls into its native addon per generated token (decode, then sample), each run on a
// worker thread and awaited, plus its own batching, locks and generator; this shows what that costs per token, and
// what dhi's own loop over the same two calls costs (inference/directDecode.ts, which completions run on).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { openGreedyDecoder } from "../dist/inference/directDecode.js";
import { startLlamaServer } from "./llamaServer.mjs";

const MODEL = fileURLToPath(new URL("../../shared/models/dhi-fim-4m.gguf", import.meta.url));
const TOKENS = 64;
const ROUNDS = 16;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms3 = (x) => Math.round(x * 1000) / 1000;

const source = readFileSync(fileURLToPath(new URL("../node_modules/vscode-languageserver/lib/common/server.js", import.meta.url)), "utf8");
const prefix = source.slice(20_000, 21_000);
const suffix = source.slice(21_000, 21_300);

// llama.cpp's counters arrive as log lines ("eval time = … ms / N runs").
let perfLine = "";
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.info, logger: (_level, message) => {
  if (message.includes("eval time") && !message.includes("prompt eval")) perfLine = message;
} });
const model = await llama.loadModel({ modelPath: MODEL });
const context = await model.createContext({ contextSize: 2048, threads: 1, flashAttention: false, sequences: 1, performanceTracking: true });
const sequence = context.getSequence();
const prompt = [model.tokens.infill.prefix, ...model.tokenize(prefix, false), model.tokens.infill.suffix, ...model.tokenize(suffix, false), model.tokens.infill.middle];

async function llamaServerPerToken(server) {
  const response = await fetch(`${server.url}/infill`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input_prefix: prefix, input_suffix: suffix, n_predict: TOKENS, temperature: 0, top_k: 1, samplers: ["top_k"], cache_prompt: false, ignore_eos: true }),
  });
  const json = await response.json();
  return json.timings.predicted_ms / json.timings.predicted_n;
}

const runs = (line) => {
  const m = /eval time =\s*([\d.]+) ms \/\s*(\d+) runs/.exec(line);
  return m ? { ms: Number(m[1]), runs: Number(m[2]) } : null;
};

// Rounds alternate between the two, so both see the same machine.
const server = await startLlamaServer({ model: MODEL, threads: 1, contextSize: 2048, extraArgs: ["-fa", "off", "-n", String(TOKENS)] });
const loop = [];
const direct = [];
const decode = [];
const directDecode = [];
const perToken = [];
for (let r = 0; r < ROUNDS; r++) {
  perToken.push(await llamaServerPerToken(server));
  await sequence.clearHistory();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
  await context.printTimings(); // llama.cpp's cumulative counters: this round's are the difference to the next print
  const before = perfLine;
  let generated = 0;
  let first = 0;
  for await (const _token of sequence.evaluate(prompt.slice(-1), { temperature: 0, yieldEogToken: true })) {
    if (generated === 0) first = performance.now();
    if (++generated >= TOKENS) break;
  }
  loop.push((performance.now() - first) / (generated - 1));
  await context.printTimings();
  const a = runs(before);
  const b = runs(perfLine);
  if (a && b && b.runs > a.runs) decode.push((b.ms - a.ms) / (b.runs - a.runs));

  await sequence.clearHistory();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
  await context.printTimings();
  const beforeDirect = perfLine;
  const decoder = openGreedyDecoder(sequence);
  if (!decoder) throw new Error("dhi's direct decoding is unavailable with this node-llama-cpp");
  let pending = prompt.slice(-1);
  let start = 0;
  for (let n = 0; n < TOKENS; n++) {
    if (n === 1) start = performance.now();
    pending = [await decoder.next(pending)];
  }
  direct.push((performance.now() - start) / (TOKENS - 1));
  decoder.dispose();
  await context.printTimings();
  const c = runs(beforeDirect);
  const d = runs(perfLine);
  if (c && d && d.runs > c.runs) directDecode.push((d.ms - c.ms) / (d.runs - c.runs));
}

server.stop();

const result = {
  model: "dhi-fim-4m.gguf",
  threads: 1,
  tokens: TOKENS,
  llamaBuild: llama.buildType,
  msPerGeneratedToken: {
    llamaCppDecodeInNodeLlamaCpp: ms3(median(decode)),
    nodeLlamaCppEvaluateLoop: ms3(median(loop)),
    llamaCppDecodeInDhiDirect: ms3(median(directDecode)),
    dhiDirectLoop: ms3(median(direct)),
    llamaServer: ms3(median(perToken)),
  },
};
const t = result.msPerGeneratedToken;
t.nodeLlamaCppOverhead = ms3(t.nodeLlamaCppEvaluateLoop - t.llamaCppDecodeInNodeLlamaCpp);
t.dhiDirectOverhead = ms3(t.dhiDirectLoop - t.llamaCppDecodeInDhiDirect);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
await context.dispose();
await model.dispose();
await llama.dispose();
