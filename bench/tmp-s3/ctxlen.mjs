import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defaultSettings } from "../../dist/config/schema.js";
import { LlamaEngine } from "../../dist/inference/LlamaEngine.js";
import { Cursor } from "../../dist/text/Cursor.js";
import { Logger } from "../../dist/util/logger.js";
import { startLlamaServer } from "../llamaServer.mjs";
const root = new URL("../..", import.meta.url);
const MODEL = fileURLToPath(new URL("../shared/models/dhi-fim-4m.gguf", root));
const server = await startLlamaServer({ model: MODEL, threads: 1, contextSize: 2048 });
const s = defaultSettings();
const e = new LlamaEngine({ model: { ...s.model, path: MODEL, threads: 1, contextSize: 2048 }, logger: new Logger("error"), fimLayout: "psm" });
await e.load();
const src = readFileSync(fileURLToPath(new URL("node_modules/vscode-languageserver/lib/common/server.js", root)), "utf8");
for (const chars of [500, 1500, 3000, 4500]) {
  for (let rep = 0; rep < 3; rep++) {
    const start = 10000 + rep * 7000;
    const prefix = src.slice(start, start + chars); const suffix = src.slice(start + chars, start + chars + 200);
    const lineStart = prefix.lastIndexOf("\n") + 1;
    const t0 = performance.now();
    const res = await fetch(`${server.url}/infill`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input_prefix: prefix.slice(0, lineStart), prompt: prefix.slice(lineStart), input_suffix: suffix, input_extra: [], n_predict: 64, temperature: 0, top_k: 1, cache_prompt: true, stream: false, samplers: ["top_k"] }) });
    const j = await res.json(); const sms = performance.now() - t0;
    const d = await e.infill({ cursor: Cursor.between(prefix, suffix), maxTokens: 64 });
    console.log(chars, `server total ${sms.toFixed(1)} prompt ${j.timings.prompt_n}t ${j.timings.prompt_ms.toFixed(1)}ms gen ${j.timings.predicted_n}t ${j.timings.predicted_ms.toFixed(1)}ms (${(j.timings.predicted_ms/j.timings.predicted_n).toFixed(2)}/t) | dhi total ${d.timings.totalMs.toFixed(1)} prompt ${d.tokens.evaluated}t ${d.timings.promptMs.toFixed(1)} gen ${d.tokens.generated}t ${d.timings.generateMs?.toFixed(1)} (${(d.timings.generateMs/d.tokens.generated).toFixed(2)}/t) same=${d.text===j.content}`);
  }
}
await e.dispose(); server.stop();
