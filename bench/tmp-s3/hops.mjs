import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { fileURLToPath } from "node:url";
const MODEL = fileURLToPath(new URL("../../../shared/models/dhi-fim-4m.gguf", import.meta.url));
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: MODEL });
const ctx = await model.createContext({ contextSize: 2048, threads: 1, flashAttention: false, sequences: 1 });
const acc = { decode: 0, sample: 0, nd: 0, ns: 0 };
const native = ctx._ctx;
const d0 = native.decodeBatch.bind(native), s0 = native.sampleToken.bind(native);
const wrap = { decodeBatch: async (...a) => { const t = performance.now(); const r = await d0(...a); acc.decode += performance.now() - t; acc.nd++; return r; },
  sampleToken: async (...a) => { const t = performance.now(); const r = await s0(...a); acc.sample += performance.now() - t; acc.ns++; return r; } };
const proxy = new Proxy(native, { get: (o, k) => (k in wrap ? wrap[k] : typeof o[k] === "function" ? o[k].bind(o) : o[k]) });
Object.defineProperty(ctx, "_ctx", { value: proxy });
const seq = ctx.getSequence();
const prompt = model.tokenize("def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n".repeat(12));
for (let rep = 0; rep < 3; rep++) {
  await seq.clearHistory();
  await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
  Object.assign(acc, { decode: 0, sample: 0, nd: 0, ns: 0 });
  const t1 = performance.now(); let n = 0;
  for await (const tok of seq.evaluate(prompt.slice(-1), { temperature: 0, yieldEogToken: true })) { if (++n >= 64) break; }
  const dt = performance.now() - t1;
  console.log(`gen ${n}t ${dt.toFixed(1)}ms ${(dt / n).toFixed(3)}/t decode ${(acc.decode / acc.nd).toFixed(3)} x${acc.nd} sample ${(acc.sample / acc.ns).toFixed(3)} x${acc.ns} other ${((dt - acc.decode - acc.sample) / n).toFixed(3)}/t`);
}
