import { CLOSERS, OPENERS } from "./text.js";
import type { Filter } from "./types.js";

/** Brackets still open at the end of `lines` (nearest last), skipping string literals and line comments roughly. */
export function openBrackets(lines: readonly string[]): string[] {
  const stack: string[] = [];
  for (const line of lines) {
    let quote: string | null = null;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quote) {
        if (ch === "\\") i++;
        else if (ch === quote) quote = null;
        continue;
      }
      if (ch === '"' || ch === "'" || ch === "`") quote = ch;
      else if ((ch === "/" && line[i + 1] === "/") || ch === "#") break;
      else if (OPENERS[ch]) stack.push(ch);
      else if (CLOSERS[ch] && stack[stack.length - 1] === CLOSERS[ch]) stack.pop();
    }
  }
  return stack;
}

export interface BracketScan {
  /** Offset in the text of the first closer that matches nothing open (Continue stops there), or null. */
  unmatchedAt: number | null;
  /** Closers, in order, that close brackets opened before the cursor. */
  closesOuter: string;
}

export function scanCompletion(text: string, open: readonly string[]): BracketScan {
  const outer = [...open];
  const inner: string[] = [];
  let closesOuter = "";
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote || ch === "\n") quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (OPENERS[ch]) inner.push(ch);
    else if (CLOSERS[ch]) {
      if (inner.length > 0) {
        if (inner[inner.length - 1] !== CLOSERS[ch]) return { unmatchedAt: i, closesOuter };
        inner.pop();
      } else if (outer[outer.length - 1] === CLOSERS[ch]) {
        outer.pop();
        closesOuter += ch;
      } else {
        return { unmatchedAt: i, closesOuter };
      }
    }
  }
  return { unmatchedAt: null, closesOuter };
}

/**
 * Bracket balance against the text around the cursor:
 * - cut at a closer that matches nothing open (it would break the buffer);
 * - when the rest of the line starts with closers (often auto-inserted by the editor) that the completion closes
 *   itself, replace them (replaceEnd) instead of leaving them duplicated after the completion (Tabby).
 */
export const balanceBracketsFilter: Filter = {
  name: "balanceBrackets",
  apply(candidate, context) {
    const open = openBrackets([...context.previousLines, context.linePrefix]);
    const scan = scanCompletion(candidate.text, open);
    let text = candidate.text;
    let closesOuter = scan.closesOuter;
    if (scan.unmatchedAt !== null) {
      text = text.slice(0, scan.unmatchedAt).trimEnd();
      closesOuter = scanCompletion(text, open).closesOuter;
    }
    let replaceEnd = candidate.replaceEnd;
    const leadingClosers = /^[ \t]*([)\]}]+)/.exec(context.lineSuffix);
    if (leadingClosers && replaceEnd === context.offset) {
      // Replace as many of the closers right after the cursor as the completion closes itself, in order.
      const lineClosers = leadingClosers[1];
      let n = 0;
      while (n < lineClosers.length && n < closesOuter.length && lineClosers[n] === closesOuter[n]) n++;
      if (n > 0) replaceEnd = context.offset + leadingClosers[0].length - lineClosers.length + n;
    }
    return { text, replaceEnd };
  },
};
