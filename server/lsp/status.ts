import { isAbortError } from "../util/abort.js";
import { errorMessage } from "../util/logger.js";

/** The `dhi/status` notification's params, exactly as the contract defines them. */
export interface DhiStatus {
  model: "none" | "loading" | "ready" | "error";
  index: "none" | "building" | "ready" | "stale";
  lastLatencyMs?: number;
  tokensPerSecond?: number;
  budgetHits?: number;
  message?: string;
}

export type IndexState = DhiStatus["index"];

export const STATUS_NOTIFICATION = "dhi/status";

/** Coalescing window: a burst of changes (load, then a completion) becomes one notification. */
const COALESCE_MS = 50;

/** Which state a multi-root session shows: the busiest folder's. */
const INDEX_PRIORITY: readonly IndexState[] = ["building", "stale", "ready", "none"];

export function combineIndexStates(states: readonly IndexState[]): IndexState {
  return INDEX_PRIORITY.find((state) => states.includes(state)) ?? "none";
}

/**
 * Keeps the current status and sends `dhi/status` when it changed: coalesced over a short window, and never
 * twice with the same content (so per-request updates that change nothing send nothing).
 */
export class StatusReporter {
  private current: DhiStatus = { model: "none", index: "none" };
  private lastSent: string | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly send: (status: DhiStatus) => void) {}

  get status(): DhiStatus {
    return { ...this.current };
  }

  /** Merges a change; a key set to undefined is removed (e.g. the message once the error is gone). */
  update(change: Partial<DhiStatus>): void {
    const next: DhiStatus = { ...this.current, ...change };
    for (const key of Object.keys(next) as Array<keyof DhiStatus>) if (next[key] === undefined) delete next[key];
    this.current = next;
    this.timer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  /** Records a completion that the model generated (cache hits carry no speed). */
  completionServed(latencyMs: number, generatedTokens: number, modelMs: number): void {
    const change: Partial<DhiStatus> = { lastLatencyMs: Math.round(latencyMs) };
    if (generatedTokens > 0 && modelMs > 0) change.tokensPerSecond = Math.round((10_000 * generatedTokens) / modelMs) / 10;
    this.update(change);
  }

  /** Runs work that may load `engine`'s model (a code action), keeping the model state up to date. */
  async whileModelLoads<T>(engine: { readonly loaded: boolean }, work: () => Promise<T>): Promise<T> {
    if (!engine.loaded) this.update({ model: "loading", message: "dhi: loading the model" });
    try {
      return await work();
    } catch (error) {
      if (!engine.loaded && !isAbortError(error)) this.update({ model: "error", message: errorMessage(error) });
      throw error;
    } finally {
      if (engine.loaded) this.update({ model: "ready", message: undefined });
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const text = JSON.stringify(this.current);
    if (text === this.lastSent) return;
    this.lastSent = text;
    this.send({ ...this.current });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
