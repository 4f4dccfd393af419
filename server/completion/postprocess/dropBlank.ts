import type { Filter } from "./types.js";

/**
 * Trims trailing whitespace and blank lines (llama.vim) and drops a result with nothing visible in it.
 * A completion that inserts whole lines above a non-empty cursor line keeps its final newline, which pushes
 * that line down.
 */
export function trimCompletionEnd(text: string, linePrefix: string, lineSuffix: string): string | null {
  if (text.trim().length === 0) return null;
  const trimmed = text.replace(/\s+$/, "");
  const insertsWholeLines = linePrefix.length === 0 && lineSuffix.trim().length > 0 && /\n\s*$/.test(text);
  return insertsWholeLines ? `${trimmed}\n` : trimmed;
}

export const dropBlankFilter: Filter = {
  name: "dropBlank",
  apply(candidate, context) {
    const text = trimCompletionEnd(candidate.text, context.linePrefix, context.lineSuffix);
    return text === null ? null : { ...candidate, text };
  },
};
