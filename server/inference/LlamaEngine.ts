import { statSync } from "node:fs";
import { basename } from "node:path";
import type {
  ChatWrapper,
  GbnfJsonObjectSchema,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  Token,
} from "node-llama-cpp";
import type { ModelSettings } from "../config/schema.js";
import { AbortError, anySignal } from "../util/abort.js";
import type { Logger } from "../util/logger.js";
import { renderChatPrompt } from "./chatPrompt.js";
import { DraftModelDrafter, PromptLookupDrafter, type Drafter } from "./drafters.js";
import { FimUnsupportedError } from "./errors.js";
import { buildFimPrompt, chooseLayout, TokenMemo, type FimLayout } from "./fimPrompt.js";
import { resolveFimTemplate, type ResolvedFimTemplate } from "./fimTemplates.js";
import { DEFAULT_MAX_TOKENS, generate, type RunResult } from "./generate.js";
import { chooseDraft, chooseModel } from "./modelResolver.js";
import { resolveModelSource } from "./modelSource.js";
import { Mutex } from "../util/Mutex.js";
import { SharedLoad } from "../util/SharedLoad.js";
import { resolveThreads } from "./threads.js";
import type {
  CompleteRequest,
  GenerationResult,
  InferenceEngine,
  InfillRequest,
  LoadProgress,
  ModelInfo,
} from "./types.js";

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

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  draft: { model: LlamaModel; context: LlamaContext; drafter: Drafter } | null;
  fim: ResolvedFimTemplate | null;
  /** Why FIM is unavailable when `model.template` names a template the model lacks; infill() throws it. */
  fimError: Error | null;
  memo: TokenMemo;
  chatWrapper: ChatWrapper;
  threads: number;
  info: ModelInfo;
}

/** The embedded backend: node-llama-cpp in this process, one long-lived FIM sequence with KV reuse. */
export class LlamaEngine implements InferenceEngine {
  readonly stats = { infillCalls: 0, completeCalls: 0 };
  private state: Loaded | null = null;
  // Each caller can give up on its own; the shared load stops only when nobody waits for it.
  private readonly loader = new SharedLoad<Loaded>(async (signal) => {
    try {
      return (this.state = await this.doLoad(signal));
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
  get internals(): Readonly<Pick<Loaded, "llama" | "model" | "context" | "sequence" | "fim">> | null {
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
        drafter: s.draft?.drafter,
        maxDraft: this.options.speculation?.draftMaxTokens ?? 8,
        minShiftedRun: this.options.cacheReuse,
      });
      return { ...run, timings: { ...run.timings, queueMs, tokenizeMs } };
    });
    return withLoad(result, loadMs);
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

  // ---- loading ----

  private async ensureLoaded(signal?: AbortSignal, onProgress?: (p: LoadProgress) => void): Promise<Loaded> {
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

  private async doLoad(signal: AbortSignal): Promise<Loaded> {
    const settings = this.options.model;
    const log = this.options.logger;
    const checkAbort = () => {
      if (signal.aborted) throw new AbortError("Model loading was cancelled");
    };
    this.lastFraction = 0;
    this.progress(0, "resolving model");
    // model.path, then DHI_MODEL, then the pulled default (modelResolver.ts).
    const env = this.options.env ?? process.env;
    const model = chooseModel(settings, env);
    const modelPath = await resolveModelSource(model?.source, {
      env,
      signal,
      setting: model?.origin,
      onProgress: (f, m) => this.progress(0.5 * f, m),
    });
    const draft = chooseDraft(settings, model, env);
    const draftPath =
      draft.source && this.options.speculation?.draft !== false
        ? await resolveModelSource(draft.source, { env, signal, setting: draft.origin ?? "model.draftPath" })
        : null;
    checkAbort();
    const threads = resolveThreads(settings.threads, statSync(modelPath, { throwIfNoEntry: false })?.size);
    const { getLlama, LlamaLogLevel, resolveChatWrapper, GeneralChatWrapper } = await import("node-llama-cpp");
    this.progress(0.5, "starting llama.cpp");
    const llama = await getLlama({
      gpu: llamaGpuOption(settings.gpuLayers),
      build: "never",
      maxThreads: threads,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trim();
        // vocab-only loads print "missing tensor" lines that are expected, not errors.
        if (text === "" || /missing tensor|failed to load model/.test(text)) return;
        log.debug(`llama.cpp ${level}: ${text}`);
      },
    });
    const cleanup: Array<() => Promise<void>> = [() => llama.dispose()];
    try {
      checkAbort();
      this.progress(0.55, `loading ${basename(modelPath)}`);
      const model = await llama.loadModel({
        modelPath,
        gpuLayers: settings.gpuLayers,
        loadSignal: signal,
        onLoadProgress: (p) => this.progress(0.55 + 0.35 * p, `loading ${basename(modelPath)}`),
      });
      cleanup.unshift(() => model.dispose());
      checkAbort();
      // A context larger than the trained one only produces garbage past that point.
      const train = model.trainContextSize;
      const contextSize = train > 0 ? Math.min(settings.contextSize, train) : settings.contextSize;
      const flashAttention = resolveFlashAttention(settings.flashAttention, llama);
      let draft: Loaded["draft"] = null;
      if (draftPath) {
        this.progress(0.9, `loading draft ${basename(draftPath)}`);
        const draftModel = await llama.loadModel({ modelPath: draftPath, gpuLayers: settings.gpuLayers, loadSignal: signal });
        cleanup.unshift(() => draftModel.dispose());
        const draftContext = await draftModel.createContext({ contextSize, threads, flashAttention, createSignal: signal });
        cleanup.unshift(() => draftContext.dispose());
        const drafter = new DraftModelDrafter(draftContext.getSequence(), {
          minConfidence: this.options.speculation?.draftMinConfidence ?? 0.3,
        });
        draft = { model: draftModel, context: draftContext, drafter };
      }
      this.progress(0.95, "creating context");
      const context = await model.createContext({ contextSize, threads, flashAttention, createSignal: signal, sequences: 1 });
      cleanup.unshift(() => context.dispose());
      const sequence = context.getSequence();
      const name = basename(modelPath);
      let fim: ResolvedFimTemplate | null = null;
      let fimError: Error | null = null;
      try {
        fim = resolveFimTemplate(model, settings.template, name);
      } catch (error) {
        // A template the model lacks breaks FIM only: complete() must keep working.
        fimError = error instanceof Error ? error : new Error(String(error));
        log.warn(fimError.message);
      }
      let chatWrapper: ChatWrapper;
      try {
        chatWrapper = resolveChatWrapper(model, { warningLogs: false });
      } catch {
        chatWrapper = new GeneralChatWrapper();
      }
      const info: ModelInfo = {
        name,
        contextSize: context.contextSize,
        fim: fim ? { name: fim.name, repoLevel: fim.repo !== null, order: fim.order, layout: chooseLayout(fim, this.options.fimLayout) } : null,
        chatTemplate: chatWrapper.wrapperName,
        backend: "embedded",
        threads,
        draftModel: draftPath ? basename(draftPath) : null,
        llamaBuild: llama.buildType,
        flashAttention: context.flashAttention,
      };
      log.info(
        `model ${name} loaded: context ${info.contextSize}, threads ${threads}, llama.cpp ${llama.buildType}, flash attention ${String(context.flashAttention)}, FIM ${fim ? `${fim.name}/${info.fim?.layout}` : "none"}, chat ${info.chatTemplate}${draft ? `, draft ${info.draftModel}` : ""}`,
      );
      this.progress(1, "model loaded");
      return { llama, model, context, sequence, draft, fim, fimError, memo: new TokenMemo(model), chatWrapper, threads, info };
    } catch (error) {
      for (const dispose of cleanup) await dispose().catch(() => undefined);
      throw error;
    }
  }

  // ---- chat ----

  /** The chat sequence lives in its own lazily created context so it never evicts the FIM KV cache. */
  private async chatSlot(s: Loaded): Promise<ChatSlot> {
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

  private async grammarState(s: Loaded, schema: CompleteRequest["jsonSchema"]) {
    const { LlamaGrammarEvaluationState } = await import("node-llama-cpp");
    // The schema type is checked by node-llama-cpp at runtime; our JsonSchema is deliberately loose.
    const grammar = await s.llama.createGrammarForJsonSchema(schema as unknown as GbnfJsonObjectSchema);
    return new LlamaGrammarEvaluationState({ model: s.model, grammar });
  }
}

/** node-llama-cpp's `gpu` option for `model.gpuLayers`: 0 layers means the CPU only. */
export function llamaGpuOption(gpuLayers: ModelSettings["gpuLayers"]): false | "auto" {
  return gpuLayers === 0 ? false : "auto";
}

/**
 * "auto" defers to llama.cpp except on a prebuilt binary running on the CPU: its generic CPU variants made
 * generation about 3x slower with flash attention on (measured on a Zen 4 box), while a local build for this CPU
 * (`npm run build:llama`) and GPUs gain from it.
 */
export function resolveFlashAttention(setting: ModelSettings["flashAttention"], llama: Pick<Llama, "gpu" | "buildType">): boolean | "auto" {
  if (setting !== "auto") return setting;
  return llama.gpu === false && llama.buildType === "prebuilt" ? false : "auto";
}

function withLoad(result: RunResult, loadMs: number): GenerationResult {
  return { ...result, timings: { loadMs, ...result.timings, totalMs: result.timings.totalMs + loadMs } };
}

/** Keeps the end of an over-long chat prompt (the newest turn matters most). */
function fitPrompt(tokens: Token[], budget: number): Token[] {
  return tokens.length <= budget ? tokens : tokens.slice(tokens.length - Math.max(1, budget));
}

