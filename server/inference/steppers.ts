import type { ControlledEvaluateInputItem, LlamaContextSequence, LlamaGrammarEvaluationState, Token } from "node-llama-cpp";
import type { GreedyDecoder } from "./directDecode.js";
import type { Drafter } from "./drafters.js";

// Token sources for generate(): one target forward pass per next() call, returning the tokens that
// pass produced (one for plain decoding, one plus the accepted drafts for speculative decoding).

export interface Stepper {
  /** Tokens from the next target pass; empty when the model ended generation. */
  next(remaining: number): Promise<Token[]>;
  close(): Promise<void>;
  readonly targetPasses: number;
  readonly drafted: number;
  readonly accepted: number;
  /** Passes decoded through the native context (DirectStepper). */
  readonly directPasses: number;
  /** The direct passes' waits for the native decode and sampler (DirectStepper). */
  readonly waits?: { readonly decodeMs: number; readonly sampleMs: number };
}

export interface Sampling {
  temperature: number;
  seed: number;
  grammarEvaluationState?: LlamaGrammarEvaluationState;
}

/** Plain decoding through node-llama-cpp's evaluate() generator (no token predictor attached). */
export class PlainStepper implements Stepper {
  targetPasses = 0;
  readonly drafted = 0;
  readonly accepted = 0;
  readonly directPasses = 0;
  private readonly iterator: AsyncGenerator<Token, void, void | Token | Token[]>;

  constructor(sequence: LlamaContextSequence, pending: Token[], sampling: Sampling) {
    this.iterator = sequence.evaluate(pending, { ...sampling, yieldEogToken: true });
  }

  async next(): Promise<Token[]> {
    this.targetPasses++;
    const step = await this.iterator.next();
    return step.done ? [] : [step.value];
  }

  async close(): Promise<void> {
    await this.iterator.return();
  }
}

/**
 * Greedy decoding through the native context (directDecode.ts), the same tokens as PlainStepper at temperature 0
 * without node-llama-cpp's per-token JavaScript. When a step needs node-llama-cpp's own path (a context shift, say)
 * it hands the rest of the generation to a PlainStepper.
 */
export class DirectStepper implements Stepper {
  readonly drafted = 0;
  readonly accepted = 0;
  directPasses = 0;
  private pending: Token[];
  private fallback: PlainStepper | null = null;

  constructor(
    private readonly sequence: LlamaContextSequence,
    pending: Token[],
    private readonly decoder: GreedyDecoder,
    private readonly sampling: Sampling,
  ) {
    this.pending = pending;
  }

  get targetPasses(): number {
    return this.directPasses + (this.fallback?.targetPasses ?? 0);
  }

  get waits(): { decodeMs: number; sampleMs: number } {
    return this.decoder.waits;
  }

  async next(): Promise<Token[]> {
    if (!this.fallback) {
      const token = await this.decoder.next(this.pending);
      if (token != null) {
        this.directPasses++;
        this.pending = [token];
        return [token];
      }
      this.decoder.dispose();
      this.fallback = new PlainStepper(this.sequence, this.pending, this.sampling);
    }
    return this.fallback.next();
  }

  async close(): Promise<void> {
    this.decoder.dispose();
    await this.fallback?.close();
  }
}

/**
 * Speculative decoding with exact greedy verification: the drafter proposes k tokens, the target
 * evaluates [pending, d1..dk] in one pass with a sampled next token at every position, and keeps
 * d_j only while it equals the target's own token at that position. Rejected drafts are erased
 * from the KV cache. The output is therefore always the target's choice (up to llama.cpp's
 * batch-size-dependent arithmetic, see the exactness test).
 *
 * We verify ourselves instead of attaching node-llama-cpp's TokenPredictor: in 3.22.1
 * LlamaContextSequence._speculativeEvaluate compares each prediction after the first with
 * `validatedTokens.at(-1)`, an array that is never filled, so at most one drafted token per pass
 * can be accepted and the rest are always counted as refuted.
 */
export class SpeculativeStepper implements Stepper {
  targetPasses = 0;
  drafted = 0;
  accepted = 0;
  readonly directPasses = 0;
  private pending: Token[];

  constructor(
    private readonly sequence: LlamaContextSequence,
    pending: Token[],
    private readonly drafter: Drafter,
    private readonly sampling: Sampling,
    private readonly maxDraft: number,
    private readonly signal?: AbortSignal,
  ) {
    this.pending = pending;
  }

  async next(remaining: number): Promise<Token[]> {
    const seq = this.sequence;
    const room = Math.min(this.maxDraft, remaining - 1, seq.contextSize - seq.nextTokenIndex - this.pending.length - 1);
    const drafts = room > 0 ? await this.drafter.draft([...seq.contextTokens, ...this.pending], room, this.signal) : [];
    const generate = { generateNext: { token: true, options: { temperature: this.sampling.temperature, seed: this.sampling.seed } } };
    const input: ControlledEvaluateInputItem[] = this.pending.map((t, i) => (i === this.pending.length - 1 ? [t, generate] : t));
    for (const d of drafts) input.push([d, generate]);
    const out = await seq.controlledEvaluate(input);
    this.targetPasses++;
    const base = this.pending.length - 1;
    const first = out[base]?.next.token;
    if (first == null) return [];
    const produced: Token[] = [first];
    let accepted = 0;
    for (let j = 0; j < drafts.length; j++) {
      if (drafts[j] !== produced[j]) break;
      const t = out[base + 1 + j]?.next.token;
      if (t == null) break;
      accepted++;
      produced.push(t);
    }
    const rejected = drafts.length - accepted;
    if (rejected > 0) await seq.eraseContextTokenRanges([{ start: seq.nextTokenIndex - rejected, end: seq.nextTokenIndex }]);
    this.drafted += drafts.length;
    this.accepted += accepted;
    this.pending = produced.slice(-1);
    return produced;
  }

  async close(): Promise<void> {}
}
