import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { planReuse } from "./kvReuse.js";

// Token proposers for speculative decoding (see speculative.ts). A drafter only guesses: the target
// model verifies every proposed token, so a bad guess costs time, never correctness.

export interface Drafter {
  readonly kind: "draft" | "promptLookup";
  /** Proposes up to `max` tokens that follow `state` (the target's full token state). */
  draft(state: readonly Token[], max: number, signal?: AbortSignal): Promise<Token[]> | Token[];
}

export interface DraftModelDrafterOptions {
  /** A draft token below this probability ends the run. Defaults to `0` (off). */
  minConfidence?: number;
}

/**
 * A small draft model on its own sequence, re-synced to the target's exact token state before every
 * run (common prefix kept, divergent tail erased), then drafting greedily.
 */
export class DraftModelDrafter implements Drafter {
  readonly kind = "draft" as const;
  private readonly minConfidence: number;

  constructor(
    private readonly sequence: LlamaContextSequence,
    options: DraftModelDrafterOptions = {},
  ) {
    this.minConfidence = Math.min(1, Math.max(0, options.minConfidence ?? 0));
  }

  async draft(state: readonly Token[], max: number, signal?: AbortSignal): Promise<Token[]> {
    const seq = this.sequence;
    const room = Math.min(max, seq.contextSize - state.length - 1);
    if (room <= 0 || state.length === 0 || seq.disposed) return [];
    const keep = planReuse(seq.contextTokens, state);
    if (keep < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
    const predicted: Token[] = [];
    const iterator = seq.evaluateWithMetadata(state.slice(seq.nextTokenIndex), { confidence: true }, { temperature: 0 });
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done) break;
        const { token, confidence } = step.value;
        if (seq.model.isEogToken(token) || confidence < this.minConfidence) break;
        predicted.push(token);
        if (predicted.length >= room || signal?.aborted) break;
      }
    } finally {
      await iterator.return();
    }
    return predicted;
  }
}

export interface PromptLookupOptions {
  /** Shortest suffix of the state that must match in the input; at least (and by default) `2`. */
  minMatch?: number;
  /** Longest suffix tried. Defaults to `8`. */
  maxMatch?: number;
}

/** One key per token pair (vocabularies stay under 2^20 ids; a collision only costs a check). */
const pairKey = (a: Token, b: Token): number => a * 0x100000 + b;

/**
 * Where each token pair of a run starts. Built as the run grows, so that a lookup costs its candidates, not a scan
 * of the whole prompt (a scan cost up to 0.16 ms per target pass on an 8k-token prompt, a sixth of a small model's
 * token).
 */
class PairPositions {
  private readonly starts = new Map<number, number[]>();
  /** The run indexed so far. */
  private known: Token[] = [];

  /** Brings the index up to `tokens`: the pairs it adds to the run indexed before, or all of them if it is not that run. */
  update(tokens: readonly Token[]): void {
    let same = 0;
    const common = Math.min(this.known.length, tokens.length);
    while (same < common && this.known[same] === tokens[same]) same++;
    if (same < this.known.length) {
      this.starts.clear();
      this.known = [];
    }
    for (let p = Math.max(0, this.known.length - 1); p + 1 < tokens.length; p++) {
      const key = pairKey(tokens[p] as Token, tokens[p + 1] as Token);
      const list = this.starts.get(key);
      if (list) list.push(p);
      else this.starts.set(key, [p]);
    }
    for (let i = this.known.length; i < tokens.length; i++) this.known.push(tokens[i] as Token);
  }

  at(a: Token, b: Token): readonly number[] {
    return this.starts.get(pairKey(a, b)) ?? [];
  }
}

/**
 * Prompt lookup (n-gram) drafting: find the longest recent run of generated tokens in the input (else
 * earlier in the context) and propose what followed it there. Good for rewrites, where most of the
 * output copies the input.
 */
export class PromptLookupDrafter implements Drafter {
  readonly kind = "promptLookup" as const;
  private readonly minMatch: number;
  private readonly maxMatch: number;
  private readonly inputPairs = new PairPositions();
  private readonly statePairs = new PairPositions();

  constructor(
    private readonly input: readonly Token[],
    options: PromptLookupOptions = {},
  ) {
    this.minMatch = Math.max(2, options.minMatch ?? 2);
    this.maxMatch = Math.max(this.minMatch, options.maxMatch ?? 8);
    this.inputPairs.update(input);
  }

  draft(state: readonly Token[], max: number): Token[] {
    // The input first (what a rewrite copies), then the text so far itself (repeated structure).
    const fromInput = this.lookup(this.input, this.inputPairs, this.input.length, state, max);
    if (fromInput) return fromInput;
    this.statePairs.update(state);
    return this.lookup(state, this.statePairs, state.length - 1, state, max) ?? [];
  }

  /**
   * What followed the longest match (up to maxMatch tokens) of the state's tail in `source` before `end`, the
   * latest such match on a tie; null when no match reaches minMatch or nothing follows it.
   */
  private lookup(source: readonly Token[], pairs: PairPositions, end: number, state: readonly Token[], max: number): Token[] | null {
    const n = state.length;
    if (n < this.minMatch) return null;
    const a = state[n - 2] as Token;
    const b = state[n - 1] as Token;
    const longest = Math.min(this.maxMatch, n);
    const starts = pairs.at(a, b);
    let best = -1;
    let bestLength = 0;
    // Latest occurrence first: recent context predicts best.
    for (let s = starts.length - 1; s >= 0 && bestLength < longest; s--) {
      const p = starts[s] as number;
      if (p + 2 >= Math.min(end, source.length) || source[p] !== a || source[p + 1] !== b) continue;
      let length = 2;
      while (length < longest && p + 1 - length >= 0 && source[p + 1 - length] === state[n - 1 - length]) length++;
      if (length > bestLength) {
        best = p;
        bestLength = length;
      }
    }
    if (bestLength < this.minMatch) return null;
    return source.slice(best + 2, Math.min(best + 2 + max, end));
  }
}
