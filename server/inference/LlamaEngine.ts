import type { GbnfJsonObjectSchema, LlamaContext, LlamaContextSequence, Token } from "node-llama-cpp";
import type { ModelSettings } from "../config/schema.js";
import { anySignal } from "../util/abort.js";
import type { Logger } from "../util/logger.js";
import { Mutex } from "../util/Mutex.js";
import { SharedLoad } from "../util/SharedLoad.js";
import { renderChatPrompt } from "./chatPrompt.js";
import { PromptLookupDrafter } from "./drafters.js";
import { FimUnsupportedError } from "./errors.js";
import { buildFimPrompt, type FimLayout } from "./fimPrompt.js";
import { DEFAULT_MAX_TOKENS, evaluatePrefix, generate, type GenerateRunOptions, type RunResult } from "./generate.js";
import { loadLlama, type LoadedLlama } from "./loadLlama.js";
import type { CompleteRequest, GenerationResult, InferenceEngine, InfillRequest, LoadProgress, ModelInfo, PrefillRequest, PrefillResult } from "./types.js";

/** Speculative decoding switches. */
export interface SpeculationOptions {
  /** Use `model.draftPath` as a draft model for infill. Defaults to `true` (when a draft path is set). */
  draft?: boolean;
  /** Draft tokens below this probability end a draft run. Defaults to `0.3` (see bench/inference.mjs). */
  draftMinConfidence?: number;
  /** Longest draft run per target pass. Defaults to `8`. */
  draftMaxTokens?: number;
  /** Longest prompt-lookup run per target pass. Defaults to `16`. */
  lookupMaxTokens?: number;
  /** Prompt lookup for `complete({ inputGrounded: true })`. Defaults to `true`. */
  promptLookup?: boolean;
  /** Prompt lookup for infill when no draft model is loaded; "auto" follows `dhi setup`'s measurement. Defaults to "auto". */
  completionLookup?: boolean | "auto";
  /** Longest prompt-lookup run per target pass in infill. Defaults to `2`. */
  completionLookupMaxTokens?: number;
}

export interface LlamaEngineOptions {
  model: ModelSettings;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  speculation?: SpeculationOptions;
  /** FIM layout; "auto" keeps the cursor line after the middle token (see fimPrompt.ts). Defaults to "auto". */
  fimLayout?: FimLayout | "auto";
  /** Repository name for repo-level FIM templates. */
  repoName?: string;
  /** Shortest cached run shifted into place across a gap (llama-server's `--cache-reuse N`); 0 = prefix only. */
  cacheReuse?: number;
}

interface ChatSlot {
  context: LlamaContext;
  sequence: LlamaContextSequence;
}

/** The embedded backend: node-llama-cpp in this process, one long-lived FIM sequence with KV reuse. */
export class LlamaEngine implements InferenceEngine {
  readonly stats = { infillCalls: 0, completeCalls: 0 };
  private state: LoadedLlama | null = null;
  // Each caller can give up on its own; the shared load stops only when nobody waits for it.
  private readonly loader = new SharedLoad<LoadedLlama>(async (signal) => {
    try {
      this.lastFraction = 0;
      const { model, logger, env, speculation, fimLayout } = this.options;
      const options = { model, logger, env, draft: speculation?.draft, draftMinConfidence: speculation?.draftMinConfidence, fimLayout };
      return (this.state = await loadLlama(options, signal, (fraction, message) => this.progress(fraction, message)));
    } finally {
      this.progressListeners.clear();
    }
  }, "Model loading was cancelled");
  private readonly progressListeners = new Set<(p: LoadProgress) => void>();
  private readonly fimLock = new Mutex();
  private readonly chatLock = new Mutex();
  private chat: ChatSlot | null = null;
  private chatCreating: Promise<ChatSlot> | null = null;
  private disposed = false;
  /** Aborted by dispose(), so in-flight generations end within a token before the contexts go. */
  private readonly lifetime = new AbortController();
  private lastFraction = 0;

  constructor(private readonly options: LlamaEngineOptions) {}

  get loaded(): boolean {
    return this.state !== null;
  }

  /** The llama.cpp objects, for benchmarks and tests that need lower-level access. Null until loaded. */
  get internals(): Readonly<Pick<LoadedLlama, "llama" | "model" | "context" | "sequence" | "fim">> | null {
    return this.state;
  }

  openSequences(): number {
    const contexts = [this.state?.context, this.state?.draft?.context, this.chat?.context];
    return contexts.reduce((sum, context) => sum + (context && !context.disposed ? context.totalSequences - context.sequencesLeft : 0), 0);
  }

  async load(options: { signal?: AbortSignal; onProgress?: (p: LoadProgress) => void } = {}): Promise<ModelInfo> {
    return (await this.ensureLoaded(options.signal, options.onProgress)).info;
  }

  async infill(request: InfillRequest): Promise<GenerationResult> {
    const t0 = performance.now();
    const wasLoaded = this.loaded;
    const s = await this.ensureLoaded(request.signal);
    const loadMs = wasLoaded ? 0 : performance.now() - t0;
    if (!s.fim) throw s.fimError ?? new FimUnsupportedError(s.info.name);
    const fim = s.fim;
    this.stats.infillCalls++;
    const signal = this.requestSignal(request.signal);
    const queued = performance.now();
    const result = await this.fimLock.run(signal, async () => {
      const queueMs = performance.now() - queued;
      // Keep at least half the context for the prompt.
      const maxTokens = Math.min(request.maxTokens ?? DEFAULT_MAX_TOKENS, Math.floor(s.sequence.contextSize / 2));
      const tokenizing = performance.now();
      const prompt = buildFimPrompt(s.model, fim, { ...request, repoName: request.repoName ?? this.options.repoName }, {
        layout: this.options.fimLayout,
        budget: s.sequence.contextSize - maxTokens - 1,
        memo: s.memo,
      });
      const tokenizeMs = performance.now() - tokenizing;
      const run = await generate({
        sequence: s.sequence,
        model: s.model,
        prompt: prompt.tokens,
        options: { ...request, maxTokens, signal },
        stopTokens: fim.stopTokens,
        ...this.infillDrafting(s, prompt.tokens),
        minShiftedRun: this.options.cacheReuse,
      });
      return { ...run, timings: { ...run.timings, queueMs, tokenizeMs } };
    });
    return withLoad(result, loadMs);
  }

  /**
   * The draft model when one is loaded, else prompt lookup where it pays: completions often repeat what the prompt
   * holds (a name, a call, the line above), and each drafted token the model confirms saves a pass, while each it
   * refutes makes a pass longer; "auto" follows `dhi setup`'s measurement of the two. Greedy verification keeps the
   * tokens the model alone would generate.
   */
  private infillDrafting(s: LoadedLlama, prompt: readonly Token[]): Pick<GenerateRunOptions, "drafter" | "maxDraft"> {
    const speculation = this.options.speculation;
    if (s.draft) return { drafter: s.draft.drafter, maxDraft: speculation?.draftMaxTokens ?? 8 };
    const setting = speculation?.completionLookup ?? "auto";
    if (!(setting === "auto" ? s.measuredCompletionLookup === "on" : setting)) return {};
    return { drafter: new PromptLookupDrafter(prompt), maxDraft: speculation?.completionLookupMaxTokens ?? 2 };
  }

  async prefill(request: PrefillRequest): Promise<PrefillResult | null> {
    // Never the reason a model loads: a prefill only helps a model that is already serving requests.
    const s = this.state;
    if (!s?.fim || this.disposed) return null;
    const fim = s.fim;
    const signal = this.requestSignal(request.signal);
    return this.fimLock.run(signal, async () => {
      // The budget infill() gives the same request, so the prompt is the one it will build.
      const maxTokens = Math.min(request.maxTokens ?? DEFAULT_MAX_TOKENS, Math.floor(s.sequence.contextSize / 2));
      const prompt = buildFimPrompt(s.model, fim, { ...request, repoName: request.repoName ?? this.options.repoName }, {
        layout: this.options.fimLayout,
        budget: s.sequence.contextSize - maxTokens - 1,
        memo: s.memo,
      });
      // infill() always evaluates the prompt's last token itself (for fresh logits).
      const end = request.whole ? prompt.tokens.length - 1 : prompt.stable;
      if (end < 2) return null;
      const evaluated = await evaluatePrefix(s.sequence, prompt.tokens.slice(0, end), { minShiftedRun: this.options.cacheReuse, signal });
      return { stable: end, evaluated };
    });
  }

  async complete(request: CompleteRequest): Promise<GenerationResult> {
    const t0 = performance.now();
    const wasLoaded = this.loaded;
    const s = await this.ensureLoaded(request.signal);
    const loadMs = wasLoaded ? 0 : performance.now() - t0;
    this.stats.completeCalls++;
    const lookup = request.inputGrounded === true && this.options.speculation?.promptLookup !== false;
    const signal = this.requestSignal(request.signal);
    const result = await this.chatLock.run(signal, async () => {
      const slot = await this.chatSlot(s);
      const prompt = renderChatPrompt(s.model, s.chatWrapper, request.messages);
      const grammarEvaluationState = request.jsonSchema ? await this.grammarState(s, request.jsonSchema) : undefined;
      const maxTokens = Math.min(request.maxTokens ?? DEFAULT_MAX_TOKENS, Math.max(1, slot.sequence.contextSize - prompt.tokens.length - 1));
      return generate({
        sequence: slot.sequence,
        model: s.model,
        prompt: fitPrompt(prompt.tokens, slot.sequence.contextSize - maxTokens - 1),
        options: { ...request, maxTokens, signal },
        stopTokens: prompt.stopTokens,
        stopStrings: prompt.stopStrings,
        grammarEvaluationState,
        drafter: lookup ? new PromptLookupDrafter(prompt.inputTokens) : undefined,
        maxDraft: this.options.speculation?.lookupMaxTokens ?? 16,
      });
    });
    return withLoad(result, loadMs);
  }

  async tokenize(text: string): Promise<number[]> {
    const s = await this.ensureLoaded();
    return s.model.tokenize(text, false);
  }

  async countTokens(text: string): Promise<number> {
    return (await this.tokenize(text)).length;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.lifetime.abort();
    // Wait for in-flight requests to notice the abort and release the sequences.
    const [releaseFim, releaseChat] = await Promise.all([this.fimLock.acquire(), this.chatLock.acquire()]);
    releaseFim();
    releaseChat();
    await this.loader.abort();
    await this.chatCreating?.catch(() => undefined);
    const s = this.state;
    this.state = null;
    const chat = this.chat;
    this.chat = null;
    if (chat) await chat.context.dispose();
    if (!s) return;
    await s.context.dispose();
    if (s.draft) {
      await s.draft.context.dispose();
      await s.draft.model.dispose();
    }
    await s.model.dispose();
    await s.llama.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private requestSignal(signal: AbortSignal | undefined): AbortSignal {
    return anySignal([signal, this.lifetime.signal]);
  }

  private async ensureLoaded(signal?: AbortSignal, onProgress?: (p: LoadProgress) => void): Promise<LoadedLlama> {
    if (this.disposed) throw new Error("dhi: the inference engine was disposed");
    if (this.state) {
      onProgress?.({ fraction: 1, message: "model loaded" });
      return this.state;
    }
    if (onProgress) this.progressListeners.add(onProgress);
    try {
      return await this.loader.wait(signal);
    } finally {
      if (onProgress) this.progressListeners.delete(onProgress);
    }
  }

  private progress(fraction: number, message: string): void {
    // node-llama-cpp's load-progress events can arrive late: keep the reported fraction monotonic.
    this.lastFraction = Math.min(1, Math.max(this.lastFraction, fraction));
    for (const listener of this.progressListeners) listener({ fraction: this.lastFraction, message });
  }

  // ---- chat ----

  /** The chat sequence lives in its own lazily created context so it never evicts the FIM KV cache. */
  private async chatSlot(s: LoadedLlama): Promise<ChatSlot> {
    if (this.chat) return this.chat;
    this.chatCreating ??= s.model
      .createContext({ contextSize: s.context.contextSize, threads: s.threads, flashAttention: s.context.flashAttention, sequences: 1 })
      .then((context) => (this.chat = { context, sequence: context.getSequence() }));
    try {
      return await this.chatCreating;
    } finally {
      this.chatCreating = null;
    }
  }

  private async grammarState(s: LoadedLlama, schema: CompleteRequest["jsonSchema"]) {
    const { LlamaGrammarEvaluationState } = await import("node-llama-cpp");
    // The schema type is checked by node-llama-cpp at runtime; our JsonSchema is deliberately loose.
    const grammar = await s.llama.createGrammarForJsonSchema(schema as unknown as GbnfJsonObjectSchema);
    return new LlamaGrammarEvaluationState({ model: s.model, grammar });
  }
}

function withLoad(result: RunResult, loadMs: number): GenerationResult {
  return { ...result, timings: { loadMs, ...result.timings, totalMs: result.timings.totalMs + loadMs } };
}

/** Keeps the end of an over-long chat prompt (the newest turn matters most). */
function fitPrompt(tokens: Token[], budget: number): Token[] {
  return tokens.length <= budget ? tokens : tokens.slice(tokens.length - Math.max(1, budget));
}

