import { openBrackets, scanCompletion } from "./balanceBrackets.js";
import { isBlank } from "../../text/lines.js";
import type { Filter } from "./types.js";

/** Cuts the rest of the cursor line off the end of the completion's first line (llama.vim). */
export function trimLineSuffixOverlap(text: string, lineSuffix: string): string {
  const rest = lineSuffix.trim();
  if (rest.length === 0) return text;
  const newline = text.indexOf("\n");
  const firstLine = newline < 0 ? text : text.slice(0, newline);
  const trimmed = firstLine.trimEnd();
  if (!trimmed.endsWith(rest) || trimmed.length === rest.length) return text;
  return trimmed.slice(0, trimmed.length - rest.length).trimEnd() + (newline < 0 ? "" : text.slice(newline));
}

/**
 * Cuts the completion at the first added line that repeats the next non-empty line below the cursor, comparing
 * whole lines with their indentation (Continue's "stop at the line below"; Tabby's duplicated block-closing line).
 */
export function trimFollowingLinesOverlap(text: string, nextLines: readonly string[]): string {
  const next = nextLines.find((line) => !isBlank(line))?.trimEnd();
  if (next === undefined) return text;
  const lines = text.split("\n");
  let offset = lines[0].length + 1;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trimEnd() === next) return text.slice(0, offset - 1);
    offset += lines[i].length + 1;
  }
  return text;
}

export const trimSuffixOverlapFilter: Filter = {
  name: "trimSuffixOverlap",
  apply(candidate, context) {
    // Closers already replaced through replaceEnd are not in the suffix any more.
    const replaced = candidate.replaceEnd - context.offset;
    const lineSuffix = replaced > 0 ? context.lineSuffix.slice(replaced) : context.lineSuffix;
    const text = trimFollowingLinesOverlap(trimLineSuffixOverlap(candidate.text, lineSuffix), context.nextLines);
    if (replaced === 0 || text === candidate.text) return { ...candidate, text };
    // The cut may have taken the closers that stood in for the replaced ones: replace only those still closed.
    const closes = scanCompletion(text, openBrackets([...context.previousLines, context.linePrefix])).closesOuter;
    const leading = /^[ \t]*/.exec(context.lineSuffix)?.[0].length ?? 0;
    const kept = Math.min(closes.length, replaced - leading);
    return { text, replaceEnd: kept > 0 ? context.offset + leading + kept : context.offset };
  },
};
