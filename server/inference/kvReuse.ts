import type { LlamaContextSequence, Token } from "node-llama-cpp";

// KV-cache reuse across requests on one long-lived sequence: keep the longest common prefix of the
// cached tokens and the new prompt, erase the divergent tail, evaluate only what is new.

export interface ReusePlan {
  /** Prompt tokens whose KV state is kept. */
  reused: number;
  /** Prompt tokens still to evaluate (never empty: the last token is re-evaluated for fresh logits). */
  evaluate: Token[];
}

/** Pure planning: how many leading tokens of `prompt` can be kept from `cached`. */
export function planReuse(cached: readonly Token[], prompt: readonly Token[]): number {
  const limit = Math.min(cached.length, prompt.length - 1);
  let i = 0;
  while (i < limit && cached[i] === prompt[i]) i++;
  return Math.max(0, i);
}

/**
 * Cached runs shorter than this are re-evaluated rather than shifted into place. A shifted run keeps the keys and
 * values it was computed with, after whatever preceded it then, only rotated to its new positions: an approximation
 * (llama-server's `--cache-reuse` makes the same one) that can change a greedy generation, mostly late in a long one
 * (test/inference/llamaServerIdentical.test.ts); `LlamaEngineOptions.cacheReuse: 0` turns shifting off.
 */
export const MIN_SHIFTED_RUN = 32;

export interface ShiftPlan {
  /** Prompt tokens whose KV state is kept (the common prefix plus the shifted runs). */
  reused: number;
  /** Ranges of the cached tokens to erase, ascending; llama.cpp shifts the cells after each one down. */
  erase: Array<{ start: number; end: number }>;
}

/**
 * KV reuse across a gap (llama-server's `--cache-reuse`): after the common prefix, later runs of the cached
 * tokens that continue the prompt are kept and shifted into place, and only the tokens between them are erased.
 * A recent-files ring that gained a chunk, or a chunk that moved, then costs the new tokens instead of
 * everything after the first difference. Runs shorter than `minRun` are not worth a shift.
 */
export function planShiftReuse(cached: readonly Token[], prompt: readonly Token[], minRun = MIN_SHIFTED_RUN): ShiftPlan {
  const last = prompt.length - 1; // the last prompt token is always evaluated
  let p = planReuse(cached, prompt);
  let c = p;
  const erase: ShiftPlan["erase"] = [];
  while (p < last && c < cached.length) {
    let found = -1;
    let run = 0;
    for (let k = c + 1; k + minRun <= cached.length; k++) {
      if (cached[k] !== prompt[p]) continue;
      let n = 0;
      while (k + n < cached.length && p + n < last && cached[k + n] === prompt[p + n]) n++;
      if (n >= minRun) {
        found = k;
        run = n;
        break;
      }
    }
    if (found < 0) break;
    erase.push({ start: c, end: found });
    c = found + run;
    p += run;
  }
  if (c < cached.length) erase.push({ start: c, end: cached.length });
  return { reused: p, erase };
}

/** Erases everything the prompt cannot reuse (shifting reusable runs into place); returns what remains to evaluate. */
export async function alignSequence(sequence: LlamaContextSequence, prompt: readonly Token[], minShiftedRun = MIN_SHIFTED_RUN): Promise<ReusePlan> {
  if (prompt.length === 0) throw new Error("dhi: empty prompt");
  if (minShiftedRun > 0) {
    const plan = planShiftReuse(sequence.contextTokens, prompt, minShiftedRun);
    if (plan.erase.length > 0) await sequence.eraseContextTokenRanges(plan.erase);
  }
  // node-llama-cpp may fall back to clearing the sequence; keep only what still matches the prompt.
  const keep = planReuse(sequence.contextTokens, prompt);
  if (keep < sequence.nextTokenIndex) {
    await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  }
  // Some architectures (SWA, recurrent) cannot erase a tail and restart from an earlier point: trust
  // the sequence's own account of what it still holds.
  const reused = Math.min(sequence.nextTokenIndex, keep);
  if (sequence.nextTokenIndex > reused) await sequence.clearHistory();
  const kept = sequence.nextTokenIndex;
  return { reused: kept, evaluate: prompt.slice(kept) };
}
