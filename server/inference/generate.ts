import type {
  LlamaContextSequence,
  LlamaGrammarEvaluationState,
  LlamaModel,
  Token,
} from "node-llama-cpp";
import { AbortError } from "../util/abort.js";
import { alignSequence } from "./kvReuse.js";
import { StopStringMatcher } from "./StopStringMatcher.js";
import { TokenTextStream } from "./tokenText.js";
import type { Drafter } from "./drafters.js";
import { openGreedyDecoder } from "./directDecode.js";
import { DirectStepper, PlainStepper, SpeculativeStepper, type Sampling, type Speculation, type Stepper } from "./steppers.js";
import type { GenerateOptions, GenerationResult, StopReason } from "./types.js";

// The one token loop behind infill() and complete(): KV reuse, chunked prompt evaluation (so an abort
// lands between chunks), streaming detokenization, stop tokens/strings, onText and abort per token.

export const DEFAULT_MAX_TOKENS = 128;
export const DEFAULT_SEED = 42;

export interface GenerateRunOptions {
  sequence: LlamaContextSequence;
  model: LlamaModel;
  prompt: Token[];
  options: GenerateOptions;
  /** Tokens that end generation besides the model's EOG tokens (FIM control tokens, chat end tokens). */
  stopTokens?: ReadonlySet<Token>;
  /** Extra literal stop strings (chat-template triggers). */
  stopStrings?: readonly string[];
  grammarEvaluationState?: LlamaGrammarEvaluationState;
  /** Speculative decoding: proposes tokens the target verifies. Plain decoding when absent. */
  drafter?: Drafter;
  /** Longest draft per target pass. Defaults to 8. */
  maxDraft?: number;
  /** Prompt tokens per evaluation call; smaller is more responsive to abort. Defaults to the batch size. */
  promptChunk?: number;
  /** Greedy decoding (speculative too) through the native context (directDecode.ts) where it can. Defaults to `true`. */
  directDecode?: boolean;
  /** Shortest cached run kept across a gap by shifting it (kvReuse.ts); 0 keeps only the common prefix. */
  minShiftedRun?: number;
}

/** Prompt tokens per evaluation call in a prefill: small, so a request waiting behind one waits little. */
const PREFILL_CHUNK = 32;

/**
 * Brings the sequence's KV cache to exactly `tokens` (reusing what it holds) without generating; returns how many
 * tokens it evaluated. Abort lands between chunks, and what was evaluated stays for the next prompt to reuse.
 */
export async function evaluatePrefix(sequence: LlamaContextSequence, tokens: Token[], options: { minShiftedRun?: number; signal?: AbortSignal }): Promise<number> {
  const plan = await alignSequence(sequence, tokens, options.minShiftedRun);
  for (let i = 0; i < plan.evaluate.length; i += PREFILL_CHUNK) {
    if (options.signal?.aborted) throw new AbortError();
    await sequence.evaluateWithoutGeneratingNewTokens(plan.evaluate.slice(i, i + PREFILL_CHUNK));
  }
  return plan.evaluate.length;
}

function chooseStepper(run: GenerateRunOptions, pending: Token[], sampling: Sampling): Stepper {
  const { sequence, drafter, grammarEvaluationState } = run;
  // Grammar-constrained generation stays plain: verification passes cannot carry a grammar state.
  const speculation: Speculation | undefined =
    drafter && !grammarEvaluationState ? { drafter, maxDraft: run.maxDraft ?? 8, signal: run.options.signal } : undefined;
  const decoder = run.directDecode !== false && sampling.temperature === 0 && !grammarEvaluationState ? openGreedyDecoder(sequence) : null;
  if (decoder) return new DirectStepper(sequence, pending, decoder, sampling, speculation);
  if (speculation) return new SpeculativeStepper(sequence, pending, speculation.drafter, sampling, speculation.maxDraft, speculation.signal);
  return new PlainStepper(sequence, pending, sampling);
}

export type RunResult = Omit<GenerationResult, "timings"> & { timings: Omit<GenerationResult["timings"], "loadMs"> };

export async function generate(run: GenerateRunOptions): Promise<RunResult> {
  const { sequence, model, prompt, options } = run;
  const signal = options.signal;
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const t0 = performance.now();
  const checkAbort = () => {
    if (signal?.aborted) throw new AbortError();
  };
  checkAbort();

  const plan = await alignSequence(sequence, prompt, run.minShiftedRun);
  // All chunks but the last are evaluated here (abort is checked between them); the last one goes to
  // the stepper, so a short prompt tail is one decode that also samples the first token.
  const chunk = Math.max(1, run.promptChunk ?? sequence.context.batchSize);
  const lastStart = Math.max(0, plan.evaluate.length - chunk);
  const last = plan.evaluate.slice(lastStart);
  let promptPasses = 0;
  for (let i = 0; i < lastStart; i += chunk) {
    checkAbort();
    await sequence.evaluateWithoutGeneratingNewTokens(plan.evaluate.slice(i, Math.min(i + chunk, lastStart)));
    promptPasses++;
  }
  checkAbort();

  const matcher = new StopStringMatcher([...(options.stop ?? []), ...(run.stopStrings ?? [])]);
  const stream = new TokenTextStream(model);
  const generated: Token[] = [];
  let text = "";
  let stringCut = false;
  let stopReason: StopReason = "eos";
  let promptMs = 0;
  let aborted = false;
  let waitsAfterPrompt: { decodeMs: number; sampleMs: number } | null = null;

  const sampling: Sampling = {
    temperature: options.temperature ?? 0,
    seed: options.seed ?? DEFAULT_SEED,
    grammarEvaluationState: run.grammarEvaluationState,
  };
  const stepper = chooseStepper(run, last, sampling);
  try {
    if (maxTokens <= 0) stopReason = "maxTokens";
    outer: while (maxTokens > 0) {
      const batch = await stepper.next(maxTokens - generated.length);
      if (promptMs === 0) {
        promptMs = performance.now() - t0;
        // The first pass evaluated the prompt's tail: the generation's waits are the ones after it.
        waitsAfterPrompt = stepper.waits ? { ...stepper.waits } : null;
      }
      if (batch.length === 0) break;
      for (const token of batch) {
        if (model.isEogToken(token) || run.stopTokens?.has(token)) break outer;
        generated.push(token);
        text = stream.push(token);
        const cut = matcher.find(text);
        if (cut >= 0) {
          stringCut = true;
          text = text.slice(0, cut);
          stopReason = "stop";
          break outer;
        }
        if (options.onText?.(text) === "stop") {
          stopReason = "stop";
          break outer;
        }
        if (generated.length >= maxTokens) {
          stopReason = "maxTokens";
          break outer;
        }
        if (signal?.aborted) break;
      }
      if (signal?.aborted) {
        aborted = true;
        break;
      }
    }
  } finally {
    await stepper.close();
  }
  if (aborted || signal?.aborted) throw new AbortError();

  if (!stringCut) text = stream.finish(); // a character the last tokens left incomplete
  const end = performance.now();
  return {
    text,
    stopReason,
    tokens: { prompt: prompt.length, evaluated: plan.evaluate.length, reused: plan.reused, generated: generated.length },
    timings: {
      promptMs,
      generateMs: end - t0 - promptMs,
      totalMs: end - t0,
      ...(stepper.waits && waitsAfterPrompt
        ? { decodeWaitMs: stepper.waits.decodeMs - waitsAfterPrompt.decodeMs, sampleWaitMs: stepper.waits.sampleMs - waitsAfterPrompt.sampleMs }
        : {}),
    },
    tokenIds: generated,
    speculation: {
      kind: run.drafter && !run.grammarEvaluationState ? run.drafter.kind : "none",
      drafted: stepper.drafted,
      accepted: stepper.accepted,
      refuted: stepper.drafted - stepper.accepted,
      targetPasses: promptPasses + stepper.targetPasses,
      directPasses: stepper.directPasses,
    },
  };
}
