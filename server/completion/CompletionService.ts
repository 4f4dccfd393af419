import type { CompletionSettings } from "../config/schema.js";
import type { CodeIndex } from "../index/types.js";
import type { InferenceEngine } from "../inference/types.js";
import { Cursor } from "../text/Cursor.js";
import { shiftResult } from "./shiftResult.js";
import { AbortError, anySignal, isAbortError, raceAbort, sleep } from "../util/abort.js";
import { errorMessage, type Logger } from "../util/logger.js";
import { AcceptanceStats, type AcceptanceSnapshot } from "./AcceptanceStats.js";
import { remainderOf, type CompletionEntry } from "./cache/CompletionEntry.js";
import { CompletionLru } from "./cache/CompletionLru.js";
import { TypeThroughCache } from "./cache/TypeThroughCache.js";
import { ContextPrefill } from "./ContextPrefill.js";
import { documentWindow } from "./context/largeDocument.js";
import { RecentFiles } from "./context/RecentFiles.js";
import { TokenCounter } from "./context/TokenCounter.js";
import { GenerationJob, newCompletionId, type GenerationInput } from "./GenerationJob.js";
import { formatLatency, traceLatency, type CompletionLatency, type RequestTrace } from "./latency.js";
import { observeGcPauses } from "../util/gcPauses.js";
import { collectYoungGarbage } from "../util/releaseMemory.js";
import type { CompletionMetrics, CompletionRequest, CompletionResult, Suggestion } from "./types.js";

export interface CompletionServiceOptions {
  engine: InferenceEngine;
  /** Read on every request, so setting changes apply to the next keystroke. */
  getSettings: () => CompletionSettings;
  /** The workspace index when one is open; retrieval is skipped without it. */
  index?: () => CodeIndex | null;
  /** The workspace folder's name, for repo-level FIM templates (the engine may be shared between folders). */
  repoName?: string;
  logger: Logger;
  /** Benchmark switches: turn post-processing or verification off. Both default to true. */
  postprocess?: boolean;
  verify?: boolean;
  /**
   * Documents longer than this (index.maxFileBytes) are completed from a window around the cursor, without
   * retrieval. Default: no limit.
   */
  maxDocumentLength?: () => number;
  /** How long a prompt waits for retrieval (default 80 ms); null waits for it, for one-shot commands. */
  retrievalTimeoutMs?: number | null;
  /** Runs between requests, when none is in flight (default: collectYoungGarbage). */
  betweenRequests?: () => void;
}

const TIMEOUT = Symbol("timeout");

/** A request's own fields; its text and offset come as a Cursor (of the document, or of a window of it). */
type RequestAt = Omit<CompletionRequest, "text" | "offset">;

/** `entry` and its alternatives as made at `prefix`|`suffix` (an LRU hit from another document or position). */
function rebase(entry: CompletionEntry, prefix: string, suffix: string): CompletionEntry {
  return { ...entry, prefix, suffix, alternatives: entry.alternatives?.map((alternative) => ({ ...alternative, prefix, suffix })) };
}

/** Adds the distinct alternative suggestions (text still to insert at `offset`) to a result. */
function withAlternatives(result: CompletionResult, alternatives: ReadonlyArray<{ entry: CompletionEntry; text: string }>, offset: number): CompletionResult {
  const seen = new Set([result.text]);
  const suggestions: Suggestion[] = [];
  for (const { entry, text } of alternatives) {
    if (seen.has(text) || text.length === 0) continue;
    seen.add(text);
    suggestions.push({ id: entry.id, text, replaceStart: offset, replaceEnd: offset + entry.replaceLength });
  }
  if (suggestions.length > 0) result.alternatives = suggestions;
  return result;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  if (!Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The completion feature: plain text and offsets in, a completion (or null) out. Never imports lsp/.
 *
 * Request path, cheapest first:
 * 1. type-through: the user typed the start of a completion shown earlier → the rest, no model call;
 * 2. LRU of recent (prefix tail, suffix head) → completion;
 * 3. join a generation still running for this position (started by an earlier request that hit its budget);
 * 4. debounce, then a new generation. A newer request for the same document aborts the older request
 *    (its promise rejects with AbortError) and any generation nobody can use any more.
 *
 * `completion.responseBudgetMs` bounds how long a request waits for the model (after the debounce): when it
 * runs out, the request answers with what is safe to show (`isIncomplete: true`) or null, and generation goes
 * on in the background so the client's next request is served from cache. A budget of 0 means no budget:
 * wait for the full generation (the CLI and benchmarks use that).
 */
export class CompletionService {
  /** Debug record of the latest generation that showed nothing (filtered or unparsable), for `dhi complete --json`. */
  lastDiscarded: CompletionResult["debug"] | null = null;
  /** Where the latest request's time went (also logged at debug level). */
  lastLatency: CompletionLatency | null = null;
  private readonly engine: InferenceEngine;
  private readonly getSettings: () => CompletionSettings;
  private readonly getIndex: () => CodeIndex | null;
  private readonly repoName: string | undefined;
  private readonly retrievalTimeoutMs: number | null | undefined;
  private readonly maxDocumentLength: () => number;
  private readonly logger: Logger;
  private readonly switches: Pick<GenerationInput, "postprocess" | "verify">;
  private readonly counter: TokenCounter;
  private readonly recent = new RecentFiles();
  private readonly typeThrough = new TypeThroughCache();
  private readonly lru = new CompletionLru();
  private readonly acceptance = new AcceptanceStats();
  /** The live request per document, aborted when a newer one arrives. */
  private readonly requests = new Map<string, AbortController>();
  /** The running generation per document. */
  private readonly jobs = new Map<string, GenerationJob>();
  private readonly counters: CompletionMetrics = {
    requests: 0, typeThroughHits: 0, lruHits: 0, joinedJobs: 0, jobsStarted: 0, budgetHits: 0, cancelled: 0,
  };
  private disposed = false;
  /** Completion requests being answered now. */
  private inFlight = 0;
  private readonly betweenRequests: () => void;
  /** Updates the recent-files ring and evaluates it while the editor is idle. */
  readonly prefill: ContextPrefill;

  constructor(options: CompletionServiceOptions) {
    this.engine = options.engine;
    this.getSettings = options.getSettings;
    this.getIndex = options.index ?? (() => null);
    this.repoName = options.repoName;
    this.retrievalTimeoutMs = options.retrievalTimeoutMs;
    this.maxDocumentLength = options.maxDocumentLength ?? (() => Infinity);
    this.logger = options.logger;
    this.switches = { postprocess: options.postprocess, verify: options.verify };
    this.counter = new TokenCounter((text) => this.engine.countTokens(text));
    this.prefill = new ContextPrefill({ engine: this.engine, recent: this.recent, counter: this.counter, getSettings: this.getSettings, getIndex: this.getIndex, repoName: this.repoName, logger: this.logger });
    // Each request's latency record counts the collector's pauses while it ran.
    observeGcPauses();
    this.betweenRequests = options.betweenRequests ?? collectYoungGarbage;
  }

  /**
   * Null means nothing worth showing. Rejects with AbortError when superseded or cancelled. A document over
   * maxDocumentLength is completed from a window around the cursor, without retrieval.
   */
  async complete(request: CompletionRequest): Promise<CompletionResult | null> {
    // A request needs the model now: a prefill waiting for a quiet moment yields at once.
    this.prefill.cancel();
    // The ring changes in idle time (ContextPrefill), except where nothing is prefilled: nothing is cached there.
    if (!this.prefill.canRun()) this.recent.admit(request.uri);
    // The one place the request's text and offset are read: every later step takes this cursor.
    const cursor = Cursor.at(request.text, request.offset);
    if ((request.documentLength ?? cursor.length) <= this.maxDocumentLength() || !cursor.inside) return this.completeWithin(request, cursor, true);
    const window = documentWindow(cursor);
    const result = await this.completeWithin(request, window.cursor, false);
    return result && shiftResult(result, window.start);
  }

  private async completeWithin(request: RequestAt, cursor: Cursor, retrieval: boolean): Promise<CompletionResult | null> {
    if (this.disposed) throw new Error("dhi: the completion service was disposed");
    const trace: RequestTrace = { started: performance.now(), outcome: "failed", waiting: { ...request.waited }, job: null };
    this.inFlight++;
    try {
      const result = await this.answer(request, cursor, trace, retrieval);
      if (trace.outcome === "failed") trace.outcome = result ? "generated" : "empty";
      if (!this.disposed) {
        const maxTokens = request.maxTokens ?? this.getSettings().maxTokens;
        this.prefill.scheduleWarmUp({ uri: request.uri, path: request.path, cursor, maxTokens, retrieval });
      }
      return result;
    } catch (error) {
      if (isAbortError(error)) trace.outcome = "cancelled";
      throw error;
    } finally {
      const latency = traceLatency(trace, { path: request.path, offset: cursor.offset, waited: request.waited });
      this.lastLatency = latency;
      // Every request passes here: format the line only when someone reads it.
      if (this.logger.enabled("debug")) this.logger.debug(formatLatency(latency));
      if (--this.inFlight === 0) this.scheduleBetweenRequests();
    }
  }

  /**
   * The young generation is collected between requests, where its objects are dead and a scavenge costs ~0.5 ms,
   * rather than inside the next one (6-19 ms, see collectYoungGarbage). A timer, so that it runs after the answer is
   * written (vscode-jsonrpc writes on the next check phase); skipped if a request has come meanwhile.
   */
  private scheduleBetweenRequests(): void {
    const timer = setTimeout(() => {
      if (this.inFlight === 0 && !this.disposed) this.betweenRequests();
    }, 0);
    timer.unref();
  }

  private async answer(request: RequestAt, cursor: Cursor, trace: RequestTrace, retrieval: boolean): Promise<CompletionResult | null> {
    const started = trace.started;
    this.counters.requests++;
    this.lastDiscarded = null; // describes this request only
    const settings = this.getSettings();
    if (!settings.enabled) return null;
    if (!cursor.inside) throw new RangeError(`dhi: completion offset ${cursor.offset} is outside the document (length ${cursor.length})`);
    const { offset, prefix, suffix } = cursor;
    const superseding = new AbortController();
    this.requests.get(request.uri)?.abort();
    this.requests.set(request.uri, superseding);
    const signal = anySignal([request.signal, superseding.signal]);
    try {
      if (signal.aborted) throw new AbortError();
      const variant = this.variantOf(request, settings);

      // Follows whichever suggestion the user keeps typing; the others that still match stay as alternatives.
      const [remainder, ...others] = this.typeThrough.lookupAll(request.uri, prefix, suffix).slice(0, settings.suggestions);
      if (remainder) {
        this.counters.typeThroughHits++;
        trace.outcome = "typeThrough";
        const result = this.cachedResult(remainder.entry, remainder.text, offset, started, "typeThrough");
        return withAlternatives(result, others.map((r) => ({ entry: r.entry, text: r.text })), offset);
      }
      const lruKey = this.lru.key(prefix, suffix, variant);
      const hit = this.lru.get(lruKey);
      if (hit) {
        this.counters.lruHits++;
        trace.outcome = "lru";
        if (hit.text === "") {
          // The same context showed nothing before (greedy decoding is deterministic): don't run the model again.
          this.lastDiscarded = hit.debug;
          return null;
        }
        this.typeThrough.rememberAll(request.uri, rebase(hit, prefix, suffix));
        const result = this.cachedResult(hit, hit.text, offset, started, "lru");
        return withAlternatives(result, (hit.alternatives ?? []).map((entry) => ({ entry, text: entry.text })), offset);
      }

      if (settings.debounceMs > 0) {
        const debounced = performance.now();
        await sleep(settings.debounceMs, signal);
        trace.waiting.debounce = performance.now() - debounced;
      }
      const budgetStart = performance.now();
      const joinedBefore = this.counters.joinedJobs;
      const job = this.jobFor(request, cursor, variant, lruKey, settings, retrieval);
      trace.job = { job, joinedAt: this.counters.joinedJobs > joinedBefore ? budgetStart : null };
      job.waiters++;
      try {
        const budget = settings.responseBudgetMs > 0 ? settings.responseBudgetMs - (performance.now() - budgetStart) : Infinity;
        const outcome = await raceAbort(withTimeout(job.done, budget), signal);
        if (outcome === TIMEOUT) {
          this.counters.budgetHits++;
          trace.outcome = "budget";
          return this.partialResult(job, cursor, started);
        }
        if (!outcome) {
          this.lastDiscarded = job.discarded;
          return null;
        }
        const rest = outcome.prefix === prefix ? { text: outcome.text } : remainderOf(outcome, prefix, suffix);
        if (!rest) return null;
        const alternatives = (outcome.alternatives ?? []).flatMap((entry) => {
          const left = entry.prefix === prefix ? { text: entry.text } : remainderOf(entry, prefix, suffix);
          return left ? [{ entry, text: left.text }] : [];
        });
        return withAlternatives(this.result(outcome, rest.text, offset, started, false, false), alternatives, offset);
      } finally {
        job.waiters--;
      }
    } catch (error) {
      if (isAbortError(error)) this.counters.cancelled++;
      throw error;
    } finally {
      if (this.requests.get(request.uri) === superseding) this.requests.delete(request.uri);
    }
  }

  /** The client showed completion `id` (counted once per id). */
  shown(id: string): void {
    this.acceptance.shown(id);
  }

  /** The user accepted completion `id` (`dhi.completion.accepted`). */
  accepted(id: string): void {
    this.acceptance.accepted(id);
  }

  /** The user accepted part of completion `id`, by word or line (`dhi.completion.partiallyAccepted`). */
  partiallyAccepted(id: string): void {
    this.acceptance.partiallyAccepted(id);
  }

  acceptanceStats(): AcceptanceSnapshot {
    return this.acceptance.snapshot();
  }

  metrics(): CompletionMetrics {
    return { ...this.counters };
  }

  /** A document was opened or edited: feeds the recent-files ring used as extra context. Cheap. */
  noteDocument(uri: string, path: string, text: string): void {
    this.recent.noteDocument(uri, path, text);
  }

  /** A document was opened: the ring is updated and its prompt start evaluated once the editor is idle (ContextPrefill). */
  schedulePrefill(uri: string, path: string, text: string): void {
    if (!this.disposed) this.prefill.schedule(uri, path, text);
  }

  /** A document was closed. */
  forgetDocument(uri: string): void {
    this.prefill.cancel();
    this.recent.forget(uri);
    this.typeThrough.forget(uri);
    this.jobs.get(uri)?.abort();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.prefill.cancel();
    for (const controller of this.requests.values()) controller.abort();
    const running = [...this.jobs.values()];
    for (const job of running) job.abort();
    await Promise.allSettled(running.map((job) => job.done));
    this.jobs.clear();
    this.requests.clear();
    this.typeThrough.clear();
    this.lru.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private variantOf(request: RequestAt, settings: CompletionSettings): string {
    return `${String(settings.multiline)}|${request.maxTokens ?? settings.maxTokens}|${settings.candidates}|${settings.suggestions}`;
  }

  /** A running generation this request can use, or a new one (aborting generations nobody can use). */
  private jobFor(request: RequestAt, cursor: Cursor, variant: string, lruKey: string, settings: CompletionSettings, retrieval: boolean): GenerationJob {
    const existing = this.jobs.get(request.uri);
    if (existing && !existing.settled && existing.accepts(cursor.prefix, cursor.suffix, variant)) {
      this.counters.joinedJobs++;
      return existing;
    }
    existing?.abort();
    // One model: background work for other documents that no request waits on only delays this one.
    for (const job of this.jobs.values()) if (job.waiters === 0 && !job.settled) job.abort();
    const index = retrieval ? this.getIndex() : null;
    const job = new GenerationJob(
      { engine: this.engine, counter: this.counter, recent: this.recent, index, logger: this.logger, repoName: this.repoName, retrievalTimeoutMs: this.retrievalTimeoutMs },
      {
        uri: request.uri,
        path: request.path,
        languageId: request.languageId,
        cursor,
        maxTokens: request.maxTokens ?? settings.maxTokens,
        settings,
        ...this.switches,
      },
      variant,
    );
    this.counters.jobsStarted++;
    this.jobs.set(request.uri, job);
    job.done.then(
      (entry) => {
        if (!entry) {
          if (job.discarded) this.lru.set(lruKey, { id: "", prefix: job.prefix, suffix: job.suffix, text: "", replaceLength: 0, createdAt: Date.now(), debug: job.discarded });
          return;
        }
        this.lru.set(lruKey, entry);
        this.typeThrough.rememberAll(request.uri, entry);
      },
      (error: unknown) => {
        if (!isAbortError(error)) this.logger.debug(`completion: generation failed for ${request.path}: ${errorMessage(error)}`);
      },
    ).finally(() => {
      if (this.jobs.get(request.uri) === job) this.jobs.delete(request.uri);
    });
    return job;
  }

  private partialResult(job: GenerationJob, cursor: Cursor, started: number): CompletionResult | null {
    const { prefix, suffix, offset } = cursor;
    const candidate = job.safePartial();
    if (!candidate) return null;
    const partialEntry: CompletionEntry = {
      id: newCompletionId(),
      prefix: job.prefix,
      suffix: job.suffix,
      text: candidate.text,
      replaceLength: candidate.replaceEnd - job.input.cursor.offset,
      createdAt: Date.now(),
      debug: { context: [], multiline: false, filtersApplied: [], timings: {}, tokens: {} },
    };
    const rest = partialEntry.prefix === prefix ? { text: partialEntry.text } : remainderOf(partialEntry, prefix, suffix);
    if (!rest || rest.text.trim().length === 0) return null;
    return this.result(partialEntry, rest.text, offset, started, true, false);
  }

  private cachedResult(entry: CompletionEntry, text: string, offset: number, started: number, source: string): CompletionResult {
    const result = this.result(entry, text, offset, started, false, true);
    result.debug.filtersApplied = [...entry.debug.filtersApplied];
    result.debug.tokens = { prompt: 0, evaluated: 0, reused: 0, generated: 0 };
    result.debug.timings = { totalMs: performance.now() - started, modelMs: 0, overheadMs: performance.now() - started };
    result.debug.context = [...entry.debug.context];
    result.debug.multilineReason = source;
    return result;
  }

  private result(entry: CompletionEntry, text: string, offset: number, started: number, isIncomplete: boolean, cached: boolean): CompletionResult {
    const requestMs = performance.now() - started;
    return {
      id: entry.id,
      text,
      replaceStart: offset,
      replaceEnd: offset + entry.replaceLength,
      isIncomplete,
      cached,
      debug: { ...entry.debug, timings: { ...entry.debug.timings, requestMs } },
    };
  }
}
