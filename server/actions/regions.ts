import type { LanguageName } from "../syntax/index.js";
import { lineAt, lineEndWithEol, lineStarts, lineText } from "../text/lines.js";
import { symbolAt } from "./language/symbols.js";
import type { TextSpan } from "./types.js";

/** Whole lines [startLine, endLine] of a document and the span they cover (with the last line's break). */
export interface LineRegion {
  startLine: number;
  endLine: number;
  span: TextSpan;
}

export function lineRegion(text: string, startLine: number, endLine: number, starts = lineStarts(text)): LineRegion {
  const first = Math.max(0, Math.min(startLine, starts.length - 1));
  const last = Math.max(first, Math.min(endLine, starts.length - 1));
  return { startLine: first, endLine: last, span: { start: starts[first], end: lineEndWithEol(text, starts, last) } };
}

/**
 * The lines an action works on: those the selection touches (a selection ending at column 0 does not take
 * that line), or, for an empty selection, the declaration around the cursor, else the cursor's line.
 */
export function selectionRegion(text: string, selection: TextSpan, language: LanguageName | null): LineRegion {
  const starts = lineStarts(text);
  if (selection.end <= selection.start) {
    const symbol = language ? symbolAt(text, language, selection) : null;
    if (symbol) return lineRegion(text, lineAt(starts, symbol.outer.start), lineAt(starts, Math.max(symbol.outer.start, symbol.outer.end - 1)), starts);
    const line = lineAt(starts, selection.start);
    return lineRegion(text, line, line, starts);
  }
  const startLine = lineAt(starts, selection.start);
  let endLine = lineAt(starts, selection.end);
  if (endLine > startLine && starts[endLine] === selection.end) endLine--;
  return lineRegion(text, startLine, endLine, starts);
}

/** A selection inside one line that leaves code on either side: rewritten in place, not as whole lines. */
export function isInlineSelection(text: string, selection: TextSpan): boolean {
  if (selection.end <= selection.start) return false;
  const selected = text.slice(selection.start, selection.end);
  if (selected.includes("\n")) return false;
  const lineStart = text.lastIndexOf("\n", selection.start - 1) + 1;
  let lineEnd = text.indexOf("\n", selection.end);
  if (lineEnd < 0) lineEnd = text.length;
  const before = text.slice(lineStart, selection.start).trim();
  const after = text.slice(selection.end, lineEnd).replace(/\r$/, "").trim();
  return before !== "" || after !== "";
}

/** A comment's opening, then `dhi:`; what follows is the instruction. */
const DHI_COMMENT_START = /^\s*(?:\/\/+|#+|--|\/\*+|\*)\s*dhi:/;
/**
 * Longer lines are no instruction. A belt to the matching below being linear: the earlier one-regex form
 * (`\s*(.*?)\s*(?:\*\/)?\s*$`) backtracked cubically, a second per 2,000 spaces, on a line from the repository.
 */
const MAX_INSTRUCTION_LINE = 10_000;

/** The instruction of a `// dhi: …` comment line (a block comment's closing `*\/` left out), or null. */
export function dhiInstruction(line: string): string | null {
  if (line.length > MAX_INSTRUCTION_LINE) return null;
  const start = DHI_COMMENT_START.exec(line);
  if (!start) return null;
  let instruction = line.slice(start[0].length).trim();
  if (instruction.endsWith("*/")) instruction = instruction.slice(0, -2).trimEnd();
  return instruction !== "" ? instruction : null;
}

/**
 * The `dhi:` comment for a selection whose first line is `firstLine`: on the line above it, else on that line, with
 * that line's number. `lineAt` reads one line (without its line break): callers need not hold the whole text.
 */
export function dhiCommentAt(firstLine: number, lineAt: (line: number) => string): { line: number; instruction: string } | null {
  for (const line of [firstLine - 1, firstLine]) {
    if (line < 0) continue;
    const instruction = dhiInstruction(lineAt(line));
    if (instruction) return { line, instruction };
  }
  return null;
}

/** The `dhi:` comment on the line above `region` (or its first line), with that line's number. */
export function findDhiComment(text: string, region: LineRegion): { line: number; instruction: string } | null {
  const starts = lineStarts(text);
  return dhiCommentAt(region.startLine, (line) => lineText(text, starts, line));
}
