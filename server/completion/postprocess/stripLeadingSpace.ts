import type { Filter } from "./types.js";

/**
 * At the start of a line the user has already indented, the completion's own leading whitespace would double
 * the indentation (tabby #3261/#3263): drop it. At column 0, drop a single stray space (a tokenizer artifact:
 * no file indents by one space), but keep real indentation, which the model must supply there.
 */
export function stripLeadingSpace(text: string, linePrefix: string): string {
  if (linePrefix.length > 0 && linePrefix.trim().length === 0) return text.replace(/^[ \t]+/, "");
  if (linePrefix.length === 0 && /^ \S/.test(text)) return text.slice(1);
  return text;
}

export const stripLeadingSpaceFilter: Filter = {
  name: "stripLeadingSpace",
  apply: (candidate, context) => ({ ...candidate, text: stripLeadingSpace(candidate.text, context.linePrefix) }),
};
