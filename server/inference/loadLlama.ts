import { statSync } from "node:fs";
import { basename } from "node:path";
import type { ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaModel } from "node-llama-cpp";
import type { ModelSettings } from "../config/schema.js";
import { AbortError } from "../util/abort.js";
import type { Logger } from "../util/logger.js";
import { DraftModelDrafter, type Drafter } from "./drafters.js";
import { chooseLayout, TokenMemo, type FimLayout } from "./fimPrompt.js";
import { readFlashAttentionMeasurement } from "./flashAttentionChoice.js";
import { resolveFimTemplate, type ResolvedFimTemplate } from "./fimTemplates.js";
import { chooseDraft, chooseModel } from "./modelResolver.js";
import { resolveModelSource } from "./modelSource.js";
import { resolveThreads } from "./threads.js";
import type { ModelInfo } from "./types.js";

// Loading the embedded backend: resolve the model (and draft) files, start llama.cpp with the real core count,
// create the FIM context and pick the FIM and chat templates. The engine (LlamaEngine.ts) shares one load
// between its callers and reports its progress.

export interface LlamaLoadOptions {
  model: ModelSettings;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Load `model.draftPath` as a draft model for infill. Defaults to `true` (when a draft path is set). */
  draft?: boolean;
  /** Draft tokens below this probability end a draft run. Defaults to `0.3` (see bench/inference.mjs). */
  draftMinConfidence?: number;
  /** FIM layout, reported in the model info. */
  fimLayout?: FimLayout | "auto";
}

export interface LoadedLlama {
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
  /** What `dhi setup` measured for prompt-lookup drafting with this model, build and CPU; null when nothing. */
  measuredCompletionLookup: "on" | "off" | null;
  info: ModelInfo;
}

/** Loads everything; disposes what it had made when it fails or `signal` aborts. */
export async function loadLlama(options: LlamaLoadOptions, signal: AbortSignal, progress: (fraction: number, message: string) => void): Promise<LoadedLlama> {
  const settings = options.model;
  const log = options.logger;
  const checkAbort = () => {
    if (signal.aborted) throw new AbortError("Model loading was cancelled");
  };
  progress(0, "resolving model");
  // model.path, then DHI_MODEL, then the pulled default (modelResolver.ts).
  const env = options.env ?? process.env;
  const model = chooseModel(settings, env);
  const modelPath = await resolveModelSource(model?.source, {
    env,
    signal,
    setting: model?.origin,
    onProgress: (f, m) => progress(0.5 * f, m),
  });
  const draft = chooseDraft(settings, model, env);
  const draftPath =
    draft.source && options.draft !== false
      ? await resolveModelSource(draft.source, { env, signal, setting: draft.origin ?? "model.draftPath" })
      : null;
  checkAbort();
  const threads = resolveThreads(settings.threads, statSync(modelPath, { throwIfNoEntry: false })?.size);
  const { getLlama, LlamaLogLevel, resolveChatWrapper, GeneralChatWrapper } = await import("node-llama-cpp");
  progress(0.5, "starting llama.cpp");
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
    progress(0.55, `loading ${basename(modelPath)}`);
    const model = await llama.loadModel({
      modelPath,
      gpuLayers: settings.gpuLayers,
      loadSignal: signal,
      onLoadProgress: (p) => progress(0.55 + 0.35 * p, `loading ${basename(modelPath)}`),
    });
    cleanup.unshift(() => model.dispose());
    checkAbort();
    // A context larger than the trained one only produces garbage past that point.
    const train = model.trainContextSize;
    const contextSize = train > 0 ? Math.min(settings.contextSize, train) : settings.contextSize;
    const measured = readFlashAttentionMeasurement(modelPath, llama.buildType, env);
    const flashAttention = resolveFlashAttention(settings.flashAttention, llama, measured?.faster ?? null);
    let draft: LoadedLlama["draft"] = null;
    if (draftPath) {
      progress(0.9, `loading draft ${basename(draftPath)}`);
      const draftModel = await llama.loadModel({ modelPath: draftPath, gpuLayers: settings.gpuLayers, loadSignal: signal });
      cleanup.unshift(() => draftModel.dispose());
      const draftContext = await draftModel.createContext({ contextSize, threads, flashAttention, createSignal: signal });
      cleanup.unshift(() => draftContext.dispose());
      const drafter = new DraftModelDrafter(draftContext.getSequence(), {
        minConfidence: options.draftMinConfidence ?? 0.3,
      });
      draft = { model: draftModel, context: draftContext, drafter };
    }
    progress(0.95, "creating context");
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
      fim: fim ? { name: fim.name, repoLevel: fim.repo !== null, order: fim.order, layout: chooseLayout(fim, options.fimLayout) } : null,
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
    progress(1, "model loaded");
    const measuredCompletionLookup = measured?.completionLookup?.faster ?? null;
    return { llama, model, context, sequence, draft, fim, fimError, memo: new TokenMemo(model), chatWrapper, threads, measuredCompletionLookup, info };
  } catch (error) {
    for (const dispose of cleanup) await dispose().catch(() => undefined);
    throw error;
  }
}

/** node-llama-cpp's `gpu` option for `model.gpuLayers`: 0 layers means the CPU only. */
export function llamaGpuOption(gpuLayers: ModelSettings["gpuLayers"]): false | "auto" {
  return gpuLayers === 0 ? false : "auto";
}

/**
 * "auto" on the CPU follows what `dhi setup` measured for this model and build (flashAttentionChoice.ts). Without a
 * measurement it defers to llama.cpp, except on a prebuilt binary: its generic CPU variants made generation about
 * 3x slower with flash attention on (measured on a Zen 4 box). GPUs always defer to llama.cpp.
 */
export function resolveFlashAttention(setting: ModelSettings["flashAttention"], llama: Pick<Llama, "gpu" | "buildType">, measured: "on" | "off" | null = null): boolean | "auto" {
  if (setting !== "auto") return setting;
  if (llama.gpu !== false) return "auto";
  if (measured) return measured === "on";
  return llama.buildType === "prebuilt" ? false : "auto";
}
