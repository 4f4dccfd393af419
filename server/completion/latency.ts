// Where one completion request's time went, logged at debug level for every request (`completion latency {…}`)
// and read by bench/vs-llama-server.mjs. Open-ended maps, so later work can add phases, waits or counters.

/** How the request was answered. */
export type LatencyOutcome = "typeThrough" | "lru" | "generated" | "joined" | "budget" | "empty" | "cancelled" | "failed";

export interface CompletionLatency {
  path: string;
  offset: number;
  outcome: LatencyOutcome;
  /** From the editor's request reaching the server (or the CLI's call) to the answer. */
  totalMs: number;
  /**
   * Time spent waiting rather than working, by cause: `settings` (the client's configuration after start-up),
   * `load` (model load), `debounce`, `engineQueue` (another generation holding the model), `joinedJob` (a
   * generation started by an earlier request, before this one joined it).
   */
  waiting: Record<string, number>;
  /** Work, by phase: `context` (assembly, retrieval), `prompt` (evaluation), `generation`, `postprocess`, `verify`, `syntax`. */
  phases: Record<string, number>;
  /** Prompt, evaluated, reused and generated tokens of the greedy candidate. */
  tokens: Record<string, number>;
  /** `totalMs` minus every wait and phase above: what the request path itself costs. */
  unaccountedMs: number;
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
  return { ...input, totalMs: round(input.totalMs), waiting, phases, tokens: { ...input.tokens }, unaccountedMs: round(input.totalMs - accounted) };
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
