import { PerformanceObserver } from "node:perf_hooks";

// V8's garbage collection pauses, as the process observes them, so that a request's latency record can say how much
// of its time the server's thread spent collecting (a scavenge here took up to 13 ms in a typing session: a
// tail-latency cause the model's timings cannot show).

/** Pauses older than this are dropped: requests last far less. */
const KEEP_MS = 60_000;

interface Pause {
  start: number;
  end: number;
}

const pauses: Pause[] = [];
let observer: PerformanceObserver | null = null;

/** Starts observing (once per process); pauses before the first call are not known. */
export function observeGcPauses(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
    const horizon = performance.now() - KEEP_MS;
    let stale = 0;
    while (stale < pauses.length && (pauses[stale] as Pause).end < horizon) stale++;
    if (stale > 0) pauses.splice(0, stale);
  });
  observer.observe({ entryTypes: ["gc"] });
}

/**
 * Milliseconds of garbage collection between `from` and `to` (performance.now() times). Node delivers the entries
 * on a later turn of the event loop, so a pause in the last moment before `to` may not be counted yet.
 */
export function gcPauseMs(from: number, to: number): number {
  let total = 0;
  for (const pause of pauses) total += Math.max(0, Math.min(pause.end, to) - Math.max(pause.start, from));
  return total;
}
