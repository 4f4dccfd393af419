import type { Cursor } from "../../text/Cursor.js";
import type { TokenCounter } from "./TokenCounter.js";

export interface TextWindow {
  text: string;
  tokens: number;
  /** Whole lines left out because of the budget. */
  truncated: boolean;
}

// Lines longer than this are counted at HUGE_LINE_CHARS_PER_TOKEN instead of being sent to the tokenizer whole
// (minified code).
const HUGE_LINE = 2000;
const HUGE_LINE_CHARS_PER_TOKEN = 3;
// Never look at more characters than a budget could possibly cover.
const MAX_CHARS_PER_TOKEN = 12;
// The cursor line keeps at least this much of its end, whatever the budget: the model must see where it writes.
const MIN_HEAD_CHARS = 256;

async function countLines(lines: readonly string[], counter: TokenCounter): Promise<number[]> {
  const small = lines.map((line) => (line.length > HUGE_LINE ? "" : line));
  const counts = await counter.countAll(small);
  return counts.map((count, i) => (lines[i].length > HUGE_LINE ? Math.ceil(lines[i].length / HUGE_LINE_CHARS_PER_TOKEN) : count));
}

/**
 * The prefix window: the cursor line's text before the cursor (always), then whole earlier lines, nearest first,
 * while they fit in `budget` tokens.
 */
export async function prefixWindow(cursor: Cursor, budget: number, counter: TokenCounter): Promise<TextWindow> {
  const { prefix, lineStart } = cursor;
  const limit = budget * MAX_CHARS_PER_TOKEN;
  // A cursor line longer than the budget covers (one line of a minified bundle) keeps about the budget's worth of its
  // end, at the rate it is counted by: the engine would tokenize all of it to keep the last few hundred tokens
  // (150-320 ms on a 0.9 MB line), and a longer head would be counted over the budget.
  const headLimit = Math.max(MIN_HEAD_CHARS, budget * HUGE_LINE_CHARS_PER_TOKEN);
  const head = cursor.linePrefix.length > headLimit ? tailOf(cursor.linePrefix, headLimit) : cursor.linePrefix;
  const headCut = head.length < cursor.linePrefix.length;
  const lines: string[] = [];
  let chars = 0;
  let end = headCut ? -1 : lineStart - 1;
  while (end >= 0 && chars < limit) {
    // lastIndexOf treats a negative position as 0, which would find a newline at 0 again.
    const start = end === 0 ? 0 : prefix.lastIndexOf("\n", end - 1) + 1;
    const line = prefix.slice(start, end + 1); // with its newline
    lines.push(line);
    chars += line.length;
    end = start - 1;
  }
  const [headTokens, ...counts] = await countLines([head, ...lines], counter);
  let tokens = headTokens;
  let taken = 0;
  while (taken < lines.length && tokens + counts[taken] <= budget) tokens += counts[taken++];
  const text = lines.slice(0, taken).reverse().join("") + head;
  return { text, tokens, truncated: headCut || taken < lines.length || end >= 0 };
}

/** The last `length` UTF-16 units of `text`, not starting inside a surrogate pair. */
function tailOf(text: string, length: number): string {
  let from = text.length - length;
  const unit = text.charCodeAt(from);
  if (unit >= 0xdc00 && unit <= 0xdfff) from++;
  return text.slice(from);
}

/** The suffix window: the rest of the cursor line, then whole later lines while they fit in `budget` tokens. */
export async function suffixWindow(suffix: string, budget: number, counter: TokenCounter): Promise<TextWindow> {
  const lines: string[] = [];
  let chars = 0;
  let start = 0;
  while (start < suffix.length && chars < budget * MAX_CHARS_PER_TOKEN) {
    const newline = suffix.indexOf("\n", start);
    const end = newline < 0 ? suffix.length : newline + 1;
    lines.push(suffix.slice(start, end));
    chars += end - start;
    start = end;
  }
  const counts = await countLines(lines, counter);
  let tokens = 0;
  let taken = 0;
  // The rest of the cursor line goes in whole when it fits; the model needs it to avoid duplicating it.
  while (taken < lines.length && tokens + counts[taken] <= budget) tokens += counts[taken++];
  return { text: lines.slice(0, taken).join(""), tokens, truncated: taken < lines.length || start < suffix.length };
}
