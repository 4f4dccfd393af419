// Small line/indentation helpers shared by the filters.

export function splitLines(text: string): string[] {
  return text.split("\n");
}

export function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

export function leadingWhitespace(line: string): string {
  const match = /^[ \t]*/.exec(line);
  return match ? match[0] : "";
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

export function firstNonBlank(lines: readonly string[]): string | undefined {
  return lines.find((line) => !isBlank(line));
}

/** Removes trailing blank lines and trailing whitespace at the very end. */
export function trimTrailingBlank(text: string): string {
  return text.replace(/[ \t\r\n]+$/, "");
}

export const OPENERS: Readonly<Record<string, string>> = { "(": ")", "[": "]", "{": "}" };
export const CLOSERS: Readonly<Record<string, string>> = { ")": "(", "]": "[", "}": "{" };
