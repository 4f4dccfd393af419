import type { CodeIndex } from "../index/types.js";
import type { CompletionSettings } from "../config/schema.js";
import type { GenerationResult, InferenceEngine, OnText } from "../inference/types.js";
import { languageOf } from "../syntax/index.js";
import type { Cursor } from "../text/Cursor.js";
import type { Logger } from "../util/logger.js";
import { errorMessage } from "../util/logger.js";
import { suggestionId } from "./AcceptanceStats.js";
import type { CompletionEntry } from "./cache/CompletionEntry.js";
import { assembleContext, type AssembledContext } from "./context/assembleContext.js";
import type { RecentFiles } from "./context/RecentFiles.js";
import type { TokenCounter } from "./context/TokenCounter.js";
import { shiftToCursor, trailingWhitespace } from "./context/trailingWhitespace.js";
import { cursorContext } from "./cursorContext.js";
import { decideMultiline, type MultilineDecision } from "./multiline/decideMultiline.js";
import { stopRule } from "./multiline/stopRule.js";
import { MINIMAL_CHAIN, POSTPROCESS_CHAIN, postprocess } from "./postprocess/index.js";
import type { Candidate, FilterContext } from "./postprocess/types.js";
import type { CompletionResult, RequestSpeculation } from "./types.js";
import { pickSuggestions } from "./verify/pickCandidate.js";
import { syntaxWindow, type SyntaxWindow } from "./verify/syntaxWindow.js";
import { verifyCandidate, type Verification } from "./verify/verifyCandidate.js";

export interface GenerationDeps {
  engine: InferenceEngine;
  counter: TokenCounter;
  recent: RecentFiles;
  index: CodeIndex | null;
  logger: Logger;
  /** For repo-level FIM templates. */
  repoName?: string;
  /** How long the prompt waits for retrieval before going without it; null waits for it. Default 80 ms. */
  retrievalTimeoutMs?: number | null;
}

export interface GenerationInput {
  uri: string;
  path: string;
  languageId?: string;
  /** Where to complete, in the text the request completes (the document, or a window of a large one). */
  cursor: Cursor;
  maxTokens: number;
  settings: CompletionSettings;
  /** Benchmark switches; both default to true. */
  postprocess?: boolean;
  verify?: boolean;
}

// Sampled candidates (after the greedy one) use this temperature and fixed seeds, so runs are repeatable.
const SAMPLE_TEMPERATURE = 0.6;
const SAMPLE_SEED_BASE = 1000;
// A keystroke's completion cannot wait longer for retrieval than this.
const RETRIEVAL_TIMEOUT_MS = 80;
// Fraction of the response budget after which the safe partial is kept precomputed during generation.
const PRECOMPUTE_AFTER = 0.5;

let nextId = 0;
export function newCompletionId(): string {
  nextId++;
  return `c${Date.now().toString(36)}-${nextId.toString(36)}`;
}

/**
 * One model run for one cursor position: context assembly, greedy + sampled candidates, post-processing and
 * verification. It outlives the request that started it when the response budget runs out, so the client's
 * next request can be served from its result; `partial` exposes what the greedy candidate has generated so far.
 */
export class GenerationJob {
  readonly prefix: string;
  readonly suffix: string;
  readonly done: Promise<CompletionEntry | null>;
  /** Live requests waiting on this job; a background job with none is aborted when new work arrives. */
  waiters = 0;
  settled = false;
  /** Raw text of the greedy candidate so far. */
  partial = "";
  /** Why the job showed nothing: its prompt context, filters, timings and raw text (for `dhi complete --json`). */
  discarded: CompletionResult["debug"] | null = null;
  /** Phase timings so far (filled in as the job runs), for the request's latency record. */
  readonly timings: Record<string, number> = {};
  /** Token counts of the greedy candidate, once generated. */
  tokens: Record<string, number> = {};
  /** The greedy candidate's target passes and their waits (generationSteps), for the latency record. */
  steps: Record<string, number> = {};
  private filterContext: FilterContext | null = null;
  private window: SyntaxWindow | null = null;
  private readonly controller = new AbortController();
  private readonly startedAt = performance.now();
  private partialMemo: { text: string; context: FilterContext; candidate: Candidate | null } | null = null;
  private precomputeScheduled = false;

  constructor(
    private readonly deps: GenerationDeps,
    readonly input: GenerationInput,
    readonly variant: string,
  ) {
    this.prefix = input.cursor.prefix;
    this.suffix = input.cursor.suffix;
    this.done = this.run().finally(() => {
      this.settled = true;
    });
  }

  abort(): void {
    this.controller.abort();
  }

  /** Whether a request at `prefix`|`suffix` can be answered by this job's result (the user typed along). */
  accepts(prefix: string, suffix: string, variant: string): boolean {
    if (variant !== this.variant || suffix !== this.suffix || prefix.length < this.prefix.length) return false;
    const typed = prefix.slice(this.prefix.length);
    if (typed.length > 0 && !this.partial.startsWith(typed) && !this.partial.replace(/^[ \t]+/, "").startsWith(typed)) return false;
    return prefix.startsWith(this.prefix);
  }

  /**
   * What is safe to show before the job finishes: the complete lines (multi-line) or complete words (single
   * line) generated so far, post-processed and verified. Null when nothing is.
   */
  safePartial(): Candidate | null {
    const context = this.filterContext;
    if (!context || this.partial.length === 0) return null;
    const cut = context.multiline ? this.partial.lastIndexOf("\n") : lastWordBoundary(this.partial);
    if (cut <= 0) return null;
    const text = this.partial.slice(0, cut);
    if (this.partialMemo?.text === text && this.partialMemo.context === context) return this.partialMemo.candidate;
    const { candidate } = postprocess(text, context);
    const safe = !candidate || !this.window || this.input.verify === false ? candidate : verifyCandidate(candidate, this.window, this.input.cursor.offset).candidate;
    this.partialMemo = { text, context, candidate: safe };
    return safe;
  }

  /**
   * With a response budget, keeps safePartial() computed for the text so far while the model generates (on the
   * main thread's idle time between tokens), so a request whose budget runs out answers without parsing first.
   * Coalesced: at most one pending computation, for the latest text.
   */
  private precomputePartial(): void {
    const budget = this.input.settings.responseBudgetMs;
    if (budget <= 0 || this.precomputeScheduled || this.settled) return;
    const elapsed = performance.now() - this.startedAt;
    // Past the budget the partial has been taken: parsing on between tokens would only slow the generation down.
    if (elapsed < budget * PRECOMPUTE_AFTER || elapsed > budget) return;
    this.precomputeScheduled = true;
    setImmediate(() => {
      this.precomputeScheduled = false;
      if (this.settled || this.controller.signal.aborted) return;
      try {
        this.safePartial();
      } catch (error) {
        this.deps.logger.debug(`completion: partial check failed: ${errorMessage(error)}`);
      }
    });
  }

  private async run(): Promise<CompletionEntry | null> {
    const { engine, logger } = this.deps;
    const { input } = this;
    const { cursor } = input;
    const signal = this.controller.signal;
    const timings = this.timings;
    const t0 = performance.now();
    const model = await engine.load({ signal });
    timings.loadMs = performance.now() - t0;

    const language = languageOf(input.path, input.languageId);
    const { linePrefix } = cursor;
    // The prompt does not depend on the syntax window, only the early stop, post-processing and verification
    // do: the window is parsed while the model evaluates the prompt (on its own thread), or on the first
    // generated text if that comes first. Either way the same window and decision, computed once.
    let analysed: { window: SyntaxWindow | null; decision: MultilineDecision; context: FilterContext } | null = null;
    const analyse = () => {
      if (analysed) return analysed;
      const t1 = performance.now();
      let window: SyntaxWindow | null = null;
      if (language) {
        try {
          window = syntaxWindow(cursor, language);
        } catch (error) {
          logger.debug(`completion: could not parse ${input.path}: ${errorMessage(error)}`);
        }
      }
      const decision = decideMultiline(input.settings.multiline, linePrefix, cursor.lineSuffix, window);
      const context = cursorContext(cursor, decision.multiline, language);
      this.window = window;
      this.filterContext = context;
      timings.syntaxMs = performance.now() - t1;
      analysed = { window, decision, context };
      return analysed;
    };

    const t2 = performance.now();
    const removed = trailingWhitespace(linePrefix);
    const assembled: AssembledContext = await assembleContext({
      uri: input.uri,
      path: input.path,
      cursor: cursor.deleteBefore(removed.length),
      budgets: input.settings.contextTokens,
      contextSize: model.contextSize,
      maxTokens: input.maxTokens,
      counter: this.deps.counter,
      index: this.deps.index,
      recent: this.deps.recent,
      logger,
      signal,
      retrievalTimeoutMs: this.deps.retrievalTimeoutMs === undefined ? RETRIEVAL_TIMEOUT_MS : this.deps.retrievalTimeoutMs,
    });
    timings.contextMs = performance.now() - t2;

    const raws: GenerationResult[] = [];
    let modelMs = 0;
    const runs = Math.max(input.settings.candidates, input.settings.suggestions);
    for (let i = 0; i < runs; i++) {
      let onStop: OnText | null = null;
      const t = performance.now();
      const generation = engine.infill({
        cursor: assembled.cursor,
        extraContext: assembled.extraContext,
        // The file name alone switches the engine to the repo-level layout; send it only with repo context to
        // show, so models trained on plain FIM (like the shared tiny one) stay on their training format.
        path: assembled.extraContext.length > 0 ? input.path : undefined,
        repoName: this.deps.repoName,
        maxTokens: input.maxTokens,
        temperature: i === 0 ? 0 : SAMPLE_TEMPERATURE,
        seed: i === 0 ? undefined : SAMPLE_SEED_BASE + i,
        signal,
        onText: (generated) => {
          const text = shiftToCursor(generated, removed);
          if (i === 0) this.partial = text;
          onStop ??= stopRule(analyse().context);
          const stop = onStop(text);
          if (i === 0 && stop !== "stop") this.precomputePartial();
          return stop;
        },
      });
      if (!analysed) {
        // Parse on the next turn of the event loop, once the engine has dispatched the prompt to its own thread.
        // Nothing waits for this turn: an engine that answers first gets the parse right after (analyse() runs once).
        setImmediate(() => {
          if (signal.aborted || this.settled) return;
          try {
            analyse();
          } catch {
            // Thrown again, where the job can report it, when run() needs the analysis after generation.
          }
        });
      }
      const result = await generation;
      modelMs += performance.now() - t;
      const shifted = { ...result, text: shiftToCursor(result.text, removed) };
      if (i === 0) this.partial = shifted.text;
      raws.push(shifted);
    }
    const { window, decision, context } = analyse();
    timings.modelMs = modelMs;
    const greedyRun = raws[0];
    if (greedyRun) {
      // The engine's own split of the greedy candidate's time (queue and tokenize only on the embedded backend).
      timings.queueMs = greedyRun.timings.queueMs ?? 0;
      timings.tokenizeMs = greedyRun.timings.tokenizeMs ?? 0;
      timings.promptMs = greedyRun.timings.promptMs;
      timings.generateMs = greedyRun.timings.generateMs;
      this.tokens = { ...greedyRun.tokens };
      this.steps = generationSteps(greedyRun);
    }

    const t3 = performance.now();
    const chain = input.postprocess === false ? MINIMAL_CHAIN : POSTPROCESS_CHAIN;
    const processed = raws.map((raw) => postprocess(raw.text, context, chain));
    timings.postprocessMs = performance.now() - t3;

    const t4 = performance.now();
    const verified: Verification[] = processed.map(({ candidate }) => {
      if (!candidate) return { candidate: null, addedErrors: 0, trimmed: false, parses: 0 };
      if (!window || input.verify === false) return { candidate, addedErrors: 0, trimmed: false, parses: 0 };
      return verifyCandidate(candidate, window, cursor.offset);
    });
    const suggestions = pickSuggestions(verified, input.settings.suggestions);
    const picked = suggestions.length > 0 ? { index: suggestions[0], verification: verified[suggestions[0]] } : null;
    timings.verifyMs = performance.now() - t4;
    timings.totalMs = performance.now() - t0;
    // Server overhead: everything except loading the model and the model's own generation time.
    timings.overheadMs = timings.totalMs - timings.loadMs - modelMs;

    if (!picked || !picked.verification.candidate) {
      const filters = processed.map((p) => p.applied.join(">"));
      logger.debug(`completion: nothing to show at ${input.path}:${cursor.offset} (${filters.join(" | ")})`);
      const greedy = raws[0];
      this.discarded = {
        context: assembled.pieces,
        multiline: decision.multiline,
        filtersApplied: processed[0]?.applied ?? [],
        timings,
        tokens: greedy ? { prompt: greedy.tokens.prompt, evaluated: greedy.tokens.evaluated, reused: greedy.tokens.reused, generated: greedy.tokens.generated } : {},
        multilineReason: decision.reason,
        rawText: greedy?.text,
        speculation: greedy ? requestSpeculation(greedy) : undefined,
      };
      return null;
    }
    const entryFor = (index: number, rank: number, first?: CompletionEntry): CompletionEntry => {
      const verification = verified[index];
      const chosen = verification.candidate as Candidate;
      const raw = raws[index];
      const filtersApplied = [...processed[index].applied];
      if (verification.trimmed) filtersApplied.push("verifySyntax");
      return {
        id: first ? suggestionId(first.id, rank) : newCompletionId(),
        prefix: this.prefix,
        suffix: this.suffix,
        text: chosen.text,
        replaceLength: chosen.replaceEnd - cursor.offset,
        createdAt: Date.now(),
        debug: {
          context: assembled.pieces,
          multiline: decision.multiline,
          filtersApplied,
          timings,
          tokens: {
            prompt: raw.tokens.prompt,
            evaluated: raw.tokens.evaluated,
            reused: raw.tokens.reused,
            generated: raw.tokens.generated,
            generatedAllCandidates: raws.reduce((sum, r) => sum + r.tokens.generated, 0),
            candidates: raws.length,
            chosenCandidate: index,
            addedSyntaxErrors: verification.addedErrors,
          },
          multilineReason: decision.reason,
          rawText: raw.text,
          speculation: requestSpeculation(raw),
        },
      };
    };
    const best = entryFor(suggestions[0], 0);
    if (suggestions.length > 1) best.alternatives = suggestions.slice(1).map((index, i) => entryFor(index, i + 1, best));
    return best;
  }
}

function requestSpeculation({ speculation }: GenerationResult): RequestSpeculation {
  return { kind: speculation.kind, drafted: speculation.drafted, accepted: speculation.accepted, targetPasses: speculation.targetPasses };
}

function lastWordBoundary(text: string): number {
  for (let i = text.length - 1; i > 0; i--) if (/[\s(),;:.[\]{}]/.test(text[i])) return i + 1;
  return -1;
}

/**
 * The greedy candidate's forward passes for its latency record: all of them, the ones decoded straight through the
 * native context, and (on that path) the generation's waits for llama.cpp's decode and sampler. What the generation
 * phase holds besides those waits is dhi's own per-token work.
 */
function generationSteps(result: GenerationResult): Record<string, number> {
  const steps: Record<string, number> = { passes: result.speculation.targetPasses, direct: result.speculation.directPasses ?? 0 };
  if (result.timings.decodeWaitMs !== undefined) steps.decodeWaitMs = result.timings.decodeWaitMs;
  if (result.timings.sampleWaitMs !== undefined) steps.sampleWaitMs = result.timings.sampleWaitMs;
  return steps;
}
