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

/** Erases everything after the common prefix; returns what remains to evaluate. */
export async function alignSequence(sequence: LlamaContextSequence, prompt: readonly Token[]): Promise<ReusePlan> {
  if (prompt.length === 0) throw new Error("dhi: empty prompt");
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
