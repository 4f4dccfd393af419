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

/** Drafting for a stepper: who proposes, how many tokens a pass may carry, and the request's abort. */
export interface Speculation {
  drafter: Drafter;
  maxDraft: number;
  signal?: AbortSignal;
}

/**
 * Greedy decoding through the native context (directDecode.ts), the same tokens as PlainStepper at temperature 0
 * without node-llama-cpp's per-token JavaScript. With a drafter, a pass carries the drafted tokens too and keeps
 * those the model itself would have generated (as SpeculativeStepper does). When a step needs node-llama-cpp's own
 * path (a context shift, say) it hands the rest of the generation to a SpeculativeStepper or a PlainStepper.
 */
export class DirectStepper implements Stepper {
  directPasses = 0;
  private directDrafted = 0;
  private directAccepted = 0;
  private pending: Token[];
  private fallback: Stepper | null = null;

  constructor(
    private readonly sequence: LlamaContextSequence,
    pending: Token[],
    private readonly decoder: GreedyDecoder,
    private readonly sampling: Sampling,
    private readonly speculation?: Speculation,
  ) {
    this.pending = pending;
  }

  get targetPasses(): number {
    return this.directPasses + (this.fallback?.targetPasses ?? 0);
  }

  get drafted(): number {
    return this.directDrafted + (this.fallback?.drafted ?? 0);
  }

  get accepted(): number {
    return this.directAccepted + (this.fallback?.accepted ?? 0);
  }

  get waits(): { decodeMs: number; sampleMs: number } {
    return this.decoder.waits;
  }

  async next(remaining: number): Promise<Token[]> {
    if (!this.fallback) {
      const drafts = await this.draft(remaining);
      const targets = await this.decoder.next([...this.pending, ...drafts], drafts.length + 1);
      if (targets) {
        this.directPasses++;
        const produced = acceptedRun(drafts, targets);
        const refuted = drafts.length - (produced.length - 1);
        if (refuted > 0 && !this.decoder.discard(refuted)) {
          const end = this.sequence.nextTokenIndex;
          await this.sequence.eraseContextTokenRanges([{ start: end - refuted, end }]);
        }
        this.directDrafted += drafts.length;
        this.directAccepted += produced.length - 1;
        this.pending = produced.slice(-1);
        return produced;
      }
      this.decoder.dispose();
      const s = this.speculation;
      this.fallback = s
        ? new SpeculativeStepper(this.sequence, this.pending, s.drafter, this.sampling, s.maxDraft, s.signal)
        : new PlainStepper(this.sequence, this.pending, this.sampling);
    }
    return this.fallback.next(remaining);
  }

  async close(): Promise<void> {
    this.decoder.dispose();
    await this.fallback?.close();
  }

  /** Drafted tokens for the next pass, within the batch and the room the direct decoder steps in. */
  private async draft(remaining: number): Promise<Token[]> {
    const s = this.speculation;
    if (!s) return [];
    const seq = this.sequence;
    const pending = this.pending.length;
    const room = Math.min(s.maxDraft, remaining - 1, seq.context.batchSize - pending, seq.contextSize - seq.nextTokenIndex - pending - 2);
    return room > 0 ? s.drafter.draft([...seq.contextTokens, ...this.pending], room, s.signal) : [];
  }
}

/**
 * What a verification pass yields: the model's own next token, then one more for each leading draft equal to the
 * model's token at its position. `targets[j]` is the model's token after the pass's j-th verified position.
 */
function acceptedRun(drafts: readonly Token[], targets: readonly (Token | null | undefined)[]): Token[] {
  const first = targets[0];
  if (first == null) return [];
  const produced: Token[] = [first];
  for (let j = 0; j < drafts.length; j++) {
    const next = targets[j + 1];
    if (drafts[j] !== produced[j] || next == null) break;
    produced.push(next);
  }
  return produced;
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
    const produced = acceptedRun(drafts, Array.from({ length: drafts.length + 1 }, (_, j) => out[base + j]?.next.token));
    if (produced.length === 0) return [];
    const accepted = produced.length - 1;
    const rejected = drafts.length - accepted;
    if (rejected > 0) await seq.eraseContextTokenRanges([{ start: seq.nextTokenIndex - rejected, end: seq.nextTokenIndex }]);
    this.drafted += drafts.length;
    this.accepted += accepted;
    this.pending = produced.slice(-1);
    return produced;
  }

  async close(): Promise<void> {}
}
