import type { Filter } from "./types.js";

const MIN_ECHO = 3;
const MIN_OVERLAP = 4;
const MAX_OVERLAP = 64;
const WORD = /[A-Za-z0-9_$]/;

/**
 * Removes an echo of text already before the cursor (lsp-ai's "duplicate start"): the model repeating the
 * cursor line's content, or restarting with the last few characters of the prefix.
 */
export function trimPrefixOverlap(text: string, linePrefix: string): string {
  const typed = linePrefix.trimStart();
  const body = text.trimStart();
  if (typed.length >= MIN_ECHO && body.startsWith(typed)) return body.slice(typed.length);
  // Longest overlap between the end of the line prefix and the start of the completion, starting at a word boundary.
  const limit = Math.min(MAX_OVERLAP, text.length, linePrefix.length);
  for (let length = limit; length >= MIN_OVERLAP; length--) {
    const head = text.slice(0, length);
    if (!linePrefix.endsWith(head) || head.trim().length === 0) continue;
    const before = linePrefix.charAt(linePrefix.length - length - 1);
    if (before !== "" && WORD.test(before) && WORD.test(head.charAt(0))) continue;
    return text.slice(length);
  }
  return text;
}

export const trimPrefixOverlapFilter: Filter = {
  name: "trimPrefixOverlap",
  apply: (candidate, context) => ({ ...candidate, text: trimPrefixOverlap(candidate.text, context.linePrefix) }),
};
