import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { fileURLToPath } from "node:url";
const MODEL = fileURLToPath(new URL("../../../shared/models/dhi-fim-4m.gguf", import.meta.url));
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
console.log(llama.buildType);
const model = await llama.loadModel({ modelPath: MODEL });
for (const fa of [false, true]) {
  const ctx = await model.createContext({ contextSize: 2048, threads: 1, flashAttention: fa, sequences: 1 });
  console.log("fa", fa, "->", ctx.flashAttention);
  const seq = ctx.getSequence();
  const text = "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n".repeat(Number(process.env.REP ?? 12));
  const prompt = model.tokenize(text);
  for (let rep = 0; rep < 2; rep++) {
    await seq.clearHistory();
    const t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
    const t1 = performance.now();
    let n = 0;
    const it = seq.evaluate(prompt.slice(-1), { temperature: 0, yieldEogToken: true });
    for await (const tok of it) { if (++n >= 64) break; }
    const t2 = performance.now();
    console.log(` prompt ${prompt.length}t ${(t1 - t0).toFixed(1)}ms gen ${n}t ${(t2 - t1).toFixed(1)}ms ${((t2 - t1) / n).toFixed(2)}ms/t`);
  }
  await ctx.dispose();
}
