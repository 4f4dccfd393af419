// Preloaded into the server (NODE_OPTIONS=--import) by bench/large-document.mjs: records every stretch in which
// the server's main thread did not get back to its event loop for more than 10 ms, and writes them to
// $DHI_BENCH_LOOP_FILE as JSON when the process exits. A 2 ms timer: a gap past it is time the thread was busy.
import { writeFileSync } from "node:fs";

const TICK_MS = 2;
const file = process.env.DHI_BENCH_LOOP_FILE;
const blocks = [];
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  const blocked = now - last - TICK_MS;
  if (blocked > 10) blocks.push({ at: Date.now(), ms: Math.round(blocked * 10) / 10 });
  last = now;
}, TICK_MS).unref();
process.on("exit", () => {
  if (file) writeFileSync(file, JSON.stringify({ blocks, rssMb: Math.round(process.memoryUsage().rss / 1e6) }));
});
