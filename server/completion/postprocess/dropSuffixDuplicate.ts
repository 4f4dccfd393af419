import { isBlank } from "../../text/lines.js";
import type { Filter } from "./types.js";

// Short lines (`}`, `end`) repeat legitimately; trimSuffixOverlap handles them by exact comparison.
const MIN_LINE = 4;

/**
 * True when the completion only repeats what follows the cursor (llama.vim): it equals the rest of the line,
 * or the first line it adds equals the next non-empty line (so it duplicates the lines below).
 */
export function isSuffixDuplicate(text: string, linePrefix: string, lineSuffix: string, nextLines: readonly string[]): boolean {
  const body = text.trim();
  if (body.length === 0) return false;
  const rest = lineSuffix.trim();
  if (rest.length > 0 && body === rest) return true;
  const lines = text.split("\n");
  let added = lines;
  if (!(isBlank(linePrefix) && rest.length === 0)) {
    // The first line continues the cursor line: only a continuation that adds nothing counts as duplicate.
    const continuation = lines[0].trim();
    if (continuation !== "" && continuation !== rest) return false;
    added = lines.slice(1);
  }
  const firstAdded = added.find((line) => !isBlank(line))?.trim();
  const nextLine = nextLines.find((line) => !isBlank(line))?.trim();
  return firstAdded !== undefined && firstAdded.length >= MIN_LINE && firstAdded === nextLine;
}

export const dropSuffixDuplicateFilter: Filter = {
  name: "dropSuffixDuplicate",
  apply: (candidate, context) =>
    isSuffixDuplicate(candidate.text, context.linePrefix, context.lineSuffix, context.nextLines) ? null : candidate,
};
