import { fileURLToPath } from "node:url";
import { startLlamaServer } from "../llamaServer.mjs";
const MODEL = fileURLToPath(new URL("../../../shared/models/dhi-fim-4m.gguf", import.meta.url));
for (const fa of ["off", "on", "auto"]) {
  const server = await startLlamaServer({ model: MODEL, threads: 1, contextSize: 2048, extraArgs: ["-fa", fa] });
  const text = "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n".repeat(12);
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    const j = await (await fetch(`${server.url}/completion`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: text, n_predict: 64, temperature: 0, top_k: 1, cache_prompt: false, ignore_eos: true, samplers: ["top_k"] }) })).json();
    console.log("fa", fa, `prompt ${j.timings.prompt_n}t ${j.timings.prompt_ms.toFixed(1)}ms gen ${j.timings.predicted_n}t ${j.timings.predicted_ms.toFixed(1)}ms ${(j.timings.predicted_ms / j.timings.predicted_n).toFixed(2)}ms/t total ${(performance.now() - t0).toFixed(1)}`);
  }
  server.stop();
}
