#!/usr/bin/env node
// Records REAL streamed responses of a locally built llama-server (same llama.cpp as node-llama-cpp) for
// the OpenAI backend's tests: test/inference/fixtures/llama-server-*.sse. Run after bench/setup-llama-server.sh.
//   node bench/record-sse-fixtures.mjs
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startLlamaServer } from "./llamaServer.mjs";

const model = fileURLToPath(new URL("../../shared/models/dhi-fim-4m.gguf", import.meta.url));
const out = (name) => new URL(`../test/inference/fixtures/${name}`, import.meta.url);
const server = await startLlamaServer({ model });
async function record(path, body, file) {
  const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  writeFileSync(out(file), await res.text());
}
try {
  const infill = { input_prefix: "def add(a, b):\n", prompt: "    return ", input_suffix: "\n", input_extra: [{ filename: "util.py", text: "X = 1\n" }], n_predict: 8, temperature: 0, cache_prompt: true, stream: true };
  await record("/infill", infill, "llama-server-infill.sse");
  await record("/infill", { ...infill, prompt: "    return a" }, "llama-server-infill-cached.sse");
  await record("/v1/completions", { prompt: "<fim_prefix>import os\n<fim_suffix>\nprint(x)\n<fim_middle>x = os.", max_tokens: 6, temperature: 0, stream: true, cache_prompt: true }, "llama-server-completions.sse");
  await record("/v1/chat/completions", { messages: [{ role: "user", content: "ok?" }], max_tokens: 6, temperature: 0, stream: true }, "llama-server-chat.sse");
  const props = await (await fetch(`${server.url}/props`)).json();
  writeFileSync(out("llama-server-props.json"), JSON.stringify({ default_generation_settings: { n_ctx: props.default_generation_settings?.n_ctx }, total_slots: props.total_slots, build_info: props.build_info }, null, 2));
} finally {
  server.stop();
}
