// Line arithmetic on raw text (UTF-16 offsets): the one copy that actions, the agent and completion share.

/** Lines with their terminators kept, so joining them gives the text back exactly. */
export function splitLinesKeepEol(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Offsets at which each line starts; one entry per line (a trailing newline does not open a line). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10 && i + 1 < text.length) starts.push(i + 1);
  return starts;
}

/** 0-based line containing `offset`. */
export function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Offset just past line `line`'s terminator (or the end of the text). */
export function lineEndWithEol(text: string, starts: readonly number[], line: number): number {
  return line + 1 < starts.length ? starts[line + 1] : text.length;
}

/** The text of line `line` without its terminator. */
export function lineText(text: string, starts: readonly number[], line: number): string {
  return text.slice(starts[line], lineEndWithEol(text, starts, line)).replace(/\r?\n$/, "");
}

/** The document's line ending: CRLF when its first line break is CRLF. */
export function eolOf(text: string): "\n" | "\r\n" {
  const i = text.indexOf("\n");
  return i > 0 && text[i - 1] === "\r" ? "\r\n" : "\n";
}

export function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? "";
}

/** Indentation width in columns; a tab counts as `tabWidth` columns. */
export function indentColumns(line: string, tabWidth = 4): number {
  let columns = 0;
  for (const ch of line) {
    if (ch === " ") columns++;
    else if (ch === "\t") columns += tabWidth;
    else break;
  }
  return columns;
}
