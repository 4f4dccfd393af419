import type Parser from "tree-sitter";
import { parse, type LanguageName } from "../../syntax/index.js";
import type { Cursor } from "../../text/Cursor.js";

// Verification and the multi-line decision parse a window around the cursor, not the whole buffer: parse cost
// then stays flat on large files (the hot path runs on every keystroke). Error counts are compared between the
// window with and without the completion, so errors caused by where the window was cut cancel out.

const MAX_BEFORE = 2500;
const MAX_AFTER = 1200;
/**
 * Windows are whole lines, so lines far longer than the window above (minified or generated text) would make it
 * the whole line: parsing a 0.9 MB line for each candidate took seconds a request. Past this there is no window:
 * no verification or syntax-based multi-line decision there.
 */
const MAX_WINDOW = 64 * 1024;

export interface SyntaxWindow {
  language: LanguageName;
  /** Window text (whole lines of the buffer). */
  text: string;
  /** Buffer offset where the window starts. */
  start: number;
  /** Cursor offset inside the window. */
  cursor: number;
  tree: Parser.Tree;
  /** Error count of the window without any completion. */
  baselineErrors: number;
}

/** Start of a top-level line (no indentation) at or after `from`, else the first line start after `from`. */
function topLevelLineStart(text: string, from: number, limit: number): number {
  let first = -1;
  for (let i = text.indexOf("\n", from - 1); i >= 0 && i < limit; i = text.indexOf("\n", i + 1)) {
    if (first < 0) first = i + 1;
    const ch = text.charCodeAt(i + 1);
    if (ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13 && text[i + 1] !== "}" && text[i + 1] !== ")") return i + 1;
  }
  return first < 0 ? limit : first;
}

/** Counts ERROR and MISSING nodes the way syntax/checkSyntax does, descending only into broken subtrees. */
export function countErrors(tree: Parser.Tree): number {
  let count = 0;
  const cursor = tree.walk();
  const visit = (): void => {
    const node = cursor.currentNode;
    if (!node.hasError && !node.isMissing) return;
    if (node.isMissing || node.type === "ERROR") {
      count++;
      if (node.type === "ERROR") return;
    }
    if (cursor.gotoFirstChild()) {
      do visit();
      while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
  };
  visit();
  return count;
}

export function syntaxWindow(cursor: Cursor, language: LanguageName): SyntaxWindow | null {
  const { text, offset } = cursor;
  const start = offset <= MAX_BEFORE ? 0 : topLevelLineStart(text, offset - MAX_BEFORE, cursor.lineStart);
  let end = text.length;
  if (text.length - offset > MAX_AFTER) {
    const cut = text.lastIndexOf("\n", offset + MAX_AFTER);
    // The cursor line alone runs past MAX_AFTER: the window ends with it, not with the buffer.
    const lineEnd = text.indexOf("\n", offset);
    end = cut > offset ? cut + 1 : lineEnd < 0 ? text.length : lineEnd + 1;
  }
  if (end - start > MAX_WINDOW) return null;
  const windowText = text.slice(start, end);
  const tree = parse(windowText, language);
  return { language, text: windowText, start, cursor: offset - start, tree, baselineErrors: countErrors(tree) };
}

// Error counts already parsed per window, by (replaced, insert): the same text comes back often within one
// generation (the partial shown at the budget and the final candidate, identical candidates, trimmed versions
// they share), and each parse of a broken window costs about a millisecond.
const MAX_MEMO = 64;
const memos = new WeakMap<SyntaxWindow, Map<string, number>>();

/** Error count of the window with `insert` replacing [cursor, cursor + replaced). */
export function errorsWith(window: SyntaxWindow, insert: string, replaced: number): number {
  let memo = memos.get(window);
  if (!memo) {
    memo = new Map();
    memos.set(window, memo);
  }
  const key = `${replaced}\u0000${insert}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const spliced = window.text.slice(0, window.cursor) + insert + window.text.slice(window.cursor + replaced);
  const errors = countErrors(parse(spliced, window.language));
  if (memo.size >= MAX_MEMO) memo.clear();
  memo.set(key, errors);
  return errors;
}
