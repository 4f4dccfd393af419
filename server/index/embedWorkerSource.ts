// The embedding worker's code, as a string run with `new Worker(source, { eval: true })`. A string rather than
// a file because vitest runs server/*.ts, which a worker thread cannot load; this way the same code runs from
// source and from dist. It loads transformers.js offline and answers { id, texts } with mean-pooled,
// L2-normalised vectors.
export const EMBED_WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  let extractor;
  try {
    const { env, pipeline } = require(workerData.transformersPath);
    env.localModelPath = workerData.localModelPath;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    extractor = await pipeline("feature-extraction", workerData.name, {
      dtype: workerData.dtype,
      session_options: { intraOpNumThreads: workerData.threads, interOpNumThreads: 1 },
    });
    const probe = await extractor(["dhi"], { pooling: "mean", normalize: true });
    parentPort.postMessage({ type: "ready", dims: probe.dims[1] });
  } catch (error) {
    parentPort.postMessage({ type: "error", message: String((error && error.message) || error) });
    return;
  }
  parentPort.on("message", async (msg) => {
    try {
      // Sub-batches of similar length waste little compute on padding.
      const order = msg.texts.map((t, i) => i).sort((a, b) => msg.texts[a].length - msg.texts[b].length);
      let data = null;
      let dims = 0;
      for (let s = 0; s < order.length; s += 8) {
        const idx = order.slice(s, s + 8);
        const out = await extractor(idx.map((i) => msg.texts[i]), { pooling: "mean", normalize: true });
        dims = out.dims[1];
        data = data || new Float32Array(msg.texts.length * dims);
        idx.forEach((i, j) => data.set(out.data.subarray(j * dims, (j + 1) * dims), i * dims));
      }
      data = data || new Float32Array(0);
      parentPort.postMessage({ type: "result", id: msg.id, dims, data }, [data.buffer]);
    } catch (error) {
      parentPort.postMessage({ type: "failed", id: msg.id, message: String((error && error.message) || error) });
    }
  });
})();
`;
