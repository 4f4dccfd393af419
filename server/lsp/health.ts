import { readdirSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

/** What `dhi/internal/health` reports: the process's resources, for soak runs to prove that nothing leaks. */
export interface HealthReport {
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop delay since the previous report, in ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Open file descriptors (Linux; null elsewhere). */
  openFds: number | null;
  /** Live descendant processes: the index's update and extraction processes, sandbox helpers (Linux; null elsewhere). */
  childProcesses: number | null;
  /** llama.cpp context sequences in use, or null when no embedded model is loaded. */
  llamaSequences: number | null;
}

function countOrNull(read: () => number): number | null {
  try {
    return read();
  } catch {
    return null;
  }
}

function descendants(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  let count = 0;
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      count++;
      queue.push(child);
    }
  }
  return count;
}

/** Samples the event loop continuously; each report covers the time since the previous one. */
export class HealthProbe {
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.histogram.enable();
  }

  report(llamaSequences: number | null): HealthReport {
    const memory = process.memoryUsage();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const report: HealthReport = {
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      eventLoopDelayMs: { p50: ms(this.histogram.percentile(50)), p99: ms(this.histogram.percentile(99)), max: ms(this.histogram.max) },
      openFds: countOrNull(() => readdirSync("/proc/self/fd").length),
      childProcesses: countOrNull(() => descendants(process.pid)),
      llamaSequences,
    };
    this.histogram.reset();
    return report;
  }

  dispose(): void {
    this.histogram.disable();
  }
}
