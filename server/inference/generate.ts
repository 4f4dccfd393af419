import type {
  LlamaContextSequence,
  LlamaGrammarEvaluationState,
  LlamaModel,
  Token,
} from "node-llama-cpp";
import { AbortError } from "../util/abort.js";
import { alignSequence } from "./kvReuse.js";
import { StopStringMatcher } from "./stopStrings.js";
import type { GenerateOptions, GenerationResult, SpeculationStats, StopReason } from "./types.js";

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
  speculation: SpeculationStats["kind"];
  /** Prompt tokens per evaluation call; smaller is more responsive to abort. Defaults to the batch size. */
  promptChunk?: number;
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

  const predictionsBefore = sequence.tokenPredictions;
  const plan = await alignSequence(sequence, prompt);
  const head = plan.evaluate.slice(0, -1);
  const last = plan.evaluate.slice(-1);
  const chunk = Math.max(1, run.promptChunk ?? sequence.context.batchSize);
  let promptPasses = 0;
  for (let i = 0; i < head.length; i += chunk) {
    checkAbort();
    await sequence.evaluateWithoutGeneratingNewTokens(head.slice(i, i + chunk));
    promptPasses++;
  }
  checkAbort();

  const matcher = new StopStringMatcher([...(options.stop ?? []), ...(run.stopStrings ?? [])]);
  const contextTail = prompt.slice(-8);
  const generated: Token[] = [];
  let text = "";
  let stopReason: StopReason = "eos";
  let promptMs = 0;
  let aborted = false;

  const iterator = sequence.evaluate(last, {
    temperature: options.temperature ?? 0,
    seed: options.seed ?? DEFAULT_SEED,
    grammarEvaluationState: run.grammarEvaluationState,
    yieldEogToken: true,
  });
  try {
    if (maxTokens <= 0) {
      stopReason = "maxTokens";
    } else {
      let step = await iterator.next();
      promptPasses++;
      promptMs = performance.now() - t0;
      for (;;) {
        if (step.done) break;
        const token = step.value;
        if (model.isEogToken(token) || run.stopTokens?.has(token)) break;
        generated.push(token);
        text = model.detokenize(generated, false, contextTail);
        const cut = matcher.find(text);
        if (cut >= 0) {
          text = text.slice(0, cut);
          stopReason = "stop";
          break;
        }
        if (options.onText?.(text) === "stop") {
          stopReason = "stop";
          break;
        }
        if (generated.length >= maxTokens) {
          stopReason = "maxTokens";
          break;
        }
        if (signal?.aborted) {
          aborted = true;
          break;
        }
        step = await iterator.next();
      }
    }
  } finally {
    await iterator.return();
  }
  if (aborted || signal?.aborted) throw new AbortError();

  const end = performance.now();
  const after = sequence.tokenPredictions;
  const validated = after.validated - predictionsBefore.validated;
  const refuted = after.refuted - predictionsBefore.refuted;
  const used = after.used - predictionsBefore.used;
  return {
    text,
    stopReason,
    tokens: { prompt: prompt.length, evaluated: plan.evaluate.length, reused: plan.reused, generated: generated.length },
    timings: { promptMs, generateMs: end - t0 - promptMs, totalMs: end - t0 },
    speculation: {
      kind: run.speculation,
      drafted: validated + refuted,
      accepted: validated,
      refuted,
      // Each target pass yields one sampled token plus the predictions it validated and used.
      targetPasses: promptPasses + Math.max(0, generated.length - 1 + (stopReason === "eos" ? 1 : 0) - used),
    },
  };
}
