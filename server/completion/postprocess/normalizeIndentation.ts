import type { IndentStyle } from "../../text/indentation.js";
import { indentColumns, leadingWhitespace } from "../../text/lines.js";
import type { Filter } from "./types.js";

/** The completion's own indent step: tabs, or the smallest positive space step between its lines. */
function completionStep(lines: readonly string[]): number | null {
  let step: number | null = null;
  let previous: number | null = null;
  for (const line of lines) {
    if (line.trim().length === 0) continue;
    const columns = leadingWhitespace(line).replace(/\t/g, "    ").length;
    if (previous !== null && columns !== previous) {
      const delta = Math.abs(columns - previous);
      step = step === null ? delta : Math.min(step, delta);
    }
    previous = columns;
  }
  return step;
}

/**
 * Rewrites the leading whitespace of the completion's new lines in the file's style: tabs become spaces (or the
 * reverse), mixed indentation is made uniform. The first line's whitespace is kept unless the cursor is at column 0.
 */
export function normalizeIndentation(text: string, style: IndentStyle, linePrefix: string): string {
  const lines = text.split("\n");
  if (lines.length === 1 && linePrefix.length > 0) return text;
  const first = linePrefix.length === 0 ? 0 : 1;
  const touched = lines.slice(first);
  const hasTabs = touched.some((line) => leadingWhitespace(line).includes("\t"));
  const hasSpaces = touched.some((line) => leadingWhitespace(line).includes(" "));
  const wrongKind = style.kind === "spaces" ? hasTabs : hasSpaces;
  if (!wrongKind) return text;
  // The model's level size: a tab, or its space step (never below 1).
  const modelStep = hasTabs && !hasSpaces ? 4 : Math.max(1, completionStep(touched) ?? (style.kind === "tabs" ? 4 : style.width));
  for (let i = first; i < lines.length; i++) {
    const ws = leadingWhitespace(lines[i]);
    if (ws.length === 0) continue;
    const levels = Math.round(indentColumns(ws, 4) / (hasTabs && !hasSpaces ? 4 : modelStep));
    const indent = style.kind === "tabs" ? "\t".repeat(levels) : " ".repeat(levels * style.width);
    lines[i] = indent + lines[i].slice(ws.length);
  }
  return lines.join("\n");
}

export const normalizeIndentationFilter: Filter = {
  name: "normalizeIndentation",
  apply: (candidate, context) => ({ ...candidate, text: normalizeIndentation(candidate.text, context.indent, context.linePrefix) }),
};
