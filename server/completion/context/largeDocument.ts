import type { Cursor } from "../../text/Cursor.js";

// A document larger than index.maxFileBytes (a generated file, a log, a 20 MB fixture) is completed from a window
// around the cursor: every later step (caches, prompt, tree-sitter verification) then costs what it costs on a
// small file, and the server's thread never walks the whole buffer. Such documents get no retrieval either.

/** Enough for any prompt: the prefix budget is ~1k tokens (~4 KB), the suffix ~512 tokens. */
const BEFORE = 32 * 1024;
const AFTER = 8 * 1024;

export interface DocumentWindow {
  /** The cursor in the window's text. */
  cursor: Cursor;
  /** Offset in the whole document where the window starts. */
  start: number;
}

/** Whole lines around the cursor (cut mid-line only when a line is longer than the window); scans only the window. */
export function documentWindow(cursor: Cursor): DocumentWindow {
  const { text, offset } = cursor;
  let start = Math.max(0, offset - BEFORE);
  if (start > 0) {
    const newline = text.slice(start, offset).indexOf("\n");
    if (newline >= 0) start += newline + 1;
  }
  let end = Math.min(text.length, offset + AFTER);
  if (end < text.length) {
    const newline = text.slice(offset, end).lastIndexOf("\n");
    if (newline >= 0) end = offset + newline + 1;
  }
  return { cursor: cursor.within(start, end), start };
}
