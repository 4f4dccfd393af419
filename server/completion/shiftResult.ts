import type { CompletionResult } from "./types.js";

/** `result` computed on a slice that starts at `by` in a longer text: its range and its alternatives' in that text. */
export function shiftResult(result: CompletionResult, by: number): CompletionResult {
  if (by === 0) return result;
  const shift = <T extends { replaceStart: number; replaceEnd: number }>(s: T): T => ({ ...s, replaceStart: s.replaceStart + by, replaceEnd: s.replaceEnd + by });
  return { ...shift(result), alternatives: result.alternatives?.map(shift) };
}
