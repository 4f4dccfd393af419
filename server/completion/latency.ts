// Where one completion request's time went, logged at debug level for every request (`completion latency {…}`)
// and read by bench/vs-llama-server.mjs. Open-ended maps, so later work can add phases, waits or counters.

import { gcPauseMs } from "../util/gcPauses.js";

/** How the request was answered. */
export type LatencyOutcome = "typeThrough" | "lru" | "generated" | "joined" | "budget" | "empty" | "cancelled" | "failed";

export interface CompletionLatency {
  path: string;
  offset: number;
  outcome: LatencyOutcome;
  /** From the editor's request reaching the server (or the CLI's call) to the answer. */
  totalMs: number;
  /**
   * Time spent waiting rather than working, by cause: `dispatch` (from the request being read off the wire to its
   * handler: earlier messages' handlers, the connection's queue), `settings` (the client's configuration after start-up),
   * `load` (model load), `debounce`, `engineQueue` (another generation holding the model), `joinedJob` (a
   * generation started by an earlier request, before this one joined it).
   */
  waiting: Record<string, number>;
  /** Work, by phase: `context` (assembly, retrieval), `prompt` (evaluation), `generation`, `postprocess`, `verify`, `syntax`. */
  phases: Record<string, number>;
  /** Prompt, evaluated, reused and generated tokens of the greedy candidate. */
  tokens: Record<string, number>;
  /**
   * The greedy candidate's forward passes: `passes`, `direct` (decoded straight through the native context) and, on
   * that path, the generation phase's waits for llama.cpp's decode and sampler (`decodeWaitMs`, `sampleWaitMs`, each
   * with one thread round trip): inside `generation`, not added to it. Empty when no generation answered.
   */
  steps: Record<string, number>;
  /** `totalMs` minus every wait and phase above: what the request path itself costs. */
  unaccountedMs: number;
  /** Garbage collection pauses of the server's thread while the request ran: inside the waits and phases above, not added to them. */
  gcMs: number;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

function roundAll(values: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(values)) if (Number.isFinite(value)) out[key] = round(value);
  return out;
}

/** Builds the record; `unaccountedMs` is derived so that the parts always add up to the total. */
export function latencyRecord(input: Omit<CompletionLatency, "unaccountedMs">): CompletionLatency {
  const waiting = roundAll(input.waiting);
  const phases = roundAll(input.phases);
  const accounted = [...Object.values(waiting), ...Object.values(phases)].reduce((sum, ms) => sum + ms, 0);
  return { ...input, totalMs: round(input.totalMs), waiting, phases, tokens: { ...input.tokens }, steps: roundAll(input.steps), unaccountedMs: round(input.totalMs - accounted), gcMs: round(input.gcMs) };
}

/** What one request went through, for its latency record. */
export interface RequestTrace {
  started: number;
  outcome: LatencyOutcome;
  waiting: Record<string, number>;
  /** The generation that answered it; `joinedAt` is set when an earlier request had started it. */
  job: {
    job: { readonly timings: Record<string, number>; readonly tokens: Record<string, number>; readonly steps: Record<string, number> };
    joinedAt: number | null;
  } | null;
}

/** The record of a request that ends now: its waits and the phases of the generation that answered it. */
export function traceLatency(trace: RequestTrace, request: { path: string; offset: number; waited?: Record<string, number> }): CompletionLatency {
  const waiting = trace.waiting;
  const phases: Record<string, number> = {};
  let tokens: Record<string, number> = {};
  let steps: Record<string, number> = {};
  let outcome = trace.outcome;
  const job = trace.job?.job;
  if (job && trace.job?.joinedAt != null) {
    // The joined generation's phases belong to the request that started it; this one only waited.
    if (outcome === "generated" || outcome === "empty") outcome = "joined";
    waiting.joinedJob = performance.now() - trace.job.joinedAt;
  } else if (job) {
    const t = job.timings;
    if (t.loadMs !== undefined) waiting.load = (waiting.load ?? 0) + t.loadMs;
    if (t.queueMs !== undefined) waiting.engineQueue = t.queueMs;
    const model = t.modelMs ?? 0;
    const inModel = (t.queueMs ?? 0) + (t.tokenizeMs ?? 0) + (t.promptMs ?? 0) + (t.generateMs ?? 0);
    Object.assign(phases, {
      context: t.contextMs,
      tokenize: t.tokenizeMs,
      prompt: t.promptMs,
      generation: t.generateMs,
      // Inside the model call but outside the engine's run: yielding to the event loop, further candidates.
      modelOther: t.modelMs === undefined ? undefined : model - inModel,
      postprocess: t.postprocessMs,
      verify: t.verifyMs,
    });
    tokens = job.tokens;
    steps = job.steps;
  }
  const now = performance.now();
  return latencyRecord({
    path: request.path,
    offset: request.offset,
    outcome,
    totalMs: now - trace.started + (request.waited ? Object.values(request.waited).reduce((a, b) => a + b, 0) : 0),
    gcMs: gcPauseMs(trace.started, now),
    waiting,
    phases: Object.fromEntries(Object.entries(phases).filter((entry): entry is [string, number] => entry[1] !== undefined)),
    tokens,
    steps,
  });
}

/** The debug-log line; one JSON object so that scripts can parse it back. */
export function formatLatency(latency: CompletionLatency): string {
  return `completion latency ${JSON.stringify(latency)}`;
}

/** Parses a debug-log line written by formatLatency, or null for any other line. */
export function parseLatency(line: string): CompletionLatency | null {
  const at = line.indexOf("completion latency {");
  if (at < 0) return null;
  try {
    return JSON.parse(line.slice(at + "completion latency ".length)) as CompletionLatency;
  } catch {
    return null;
  }
}
