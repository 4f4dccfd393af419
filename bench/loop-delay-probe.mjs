// Preloaded into the server (NODE_OPTIONS=--import) by bench/large-document.mjs: records every stretch in which
// the server's main thread did not get back to its event loop for more than 10 ms, and writes them to
// $DHI_BENCH_LOOP_FILE as JSON when the process exits. A 2 ms timer: a gap past it is time the thread was busy.
// On a shared machine a gap can also be time the OS gave other processes: each block also records the CPU time
// the main thread itself used in it (Linux: /proc/self/task/<pid>/stat, in 10 ms clock ticks), or null.
import { readFileSync, writeFileSync } from "node:fs";

const TICK_MS = 2;
const CLOCK_TICK_MS = 10;
const file = process.env.DHI_BENCH_LOOP_FILE;
const blocks = [];

/** The main thread's user + system CPU time in ms, or null off Linux. */
function mainThreadCpuMs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS; // utime, stime (fields 14, 15 of stat)
  } catch {
    return null;
  }
}

let last = performance.now();
let lastCpu = mainThreadCpuMs();
setInterval(() => {
  const now = performance.now();
  const cpu = mainThreadCpuMs();
  const blocked = now - last - TICK_MS;
  if (blocked > 10) blocks.push({ at: Date.now(), ms: Math.round(blocked * 10) / 10, cpuMs: cpu === null || lastCpu === null ? null : cpu - lastCpu });
  last = now;
  lastCpu = cpu;
}, TICK_MS).unref();
process.on("exit", () => {
  if (file) writeFileSync(file, JSON.stringify({ blocks, rssMb: Math.round(process.memoryUsage().rss / 1e6) }));
});
