// Small helpers shared by the filters (line and indentation helpers live in text/lines.ts).
import { isBlank } from "../../text/lines.js";

export function splitLines(text: string): string[] {
  return text.split("\n");
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
