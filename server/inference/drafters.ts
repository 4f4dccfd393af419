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
  /** Shortest suffix of the state that must match in the input. Defaults to `2`. */
  minMatch?: number;
  /** Longest suffix tried. Defaults to `8`. */
  maxMatch?: number;
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

  constructor(
    private readonly input: readonly Token[],
    options: PromptLookupOptions = {},
  ) {
    this.minMatch = Math.max(1, options.minMatch ?? 2);
    this.maxMatch = Math.max(this.minMatch, options.maxMatch ?? 8);
  }

  draft(state: readonly Token[], max: number): Token[] {
    // The input first (what a rewrite copies), then the text so far itself (repeated structure).
    return this.lookup(this.input, this.input.length, state, max) || this.lookup(state, state.length - 1, state, max) || [];
  }

  private lookup(source: readonly Token[], end: number, state: readonly Token[], max: number): Token[] | null {
    for (let n = Math.min(this.maxMatch, state.length); n >= this.minMatch; n--) {
      const tail = state.slice(state.length - n);
      // Latest occurrence first: recent context predicts best.
      for (let i = Math.min(end, source.length) - n - 1; i >= 0; i--) {
        let j = 0;
        while (j < n && source[i + j] === tail[j]) j++;
        if (j === n) return source.slice(i + n, Math.min(i + n + max, end));
      }
    }
    return null;
  }
}
