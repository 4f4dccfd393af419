import type { CompletionResult } from "../types.js";

/** A finished completion, remembered so later requests can be served without the model. */
export interface CompletionEntry {
  id: string;
  /** Buffer text before the cursor when the completion was made. */
  prefix: string;
  /** Buffer text after the cursor then. */
  suffix: string;
  text: string;
  /** How many characters after the cursor the completion replaces (auto-inserted closers). */
  replaceLength: number;
  debug: CompletionResult["debug"];
  createdAt: number;
  /** Further distinct suggestions for the same position (`completion.suggestions`), best first. */
  alternatives?: CompletionEntry[];
}

export interface Remainder {
  entry: CompletionEntry;
  /** Characters of the completion the user has typed since. */
  typed: number;
  text: string;
}

/**
 * The part of `entry` still to show when the buffer is `prefix`|`suffix`: the user typed the start of the
 * completion and nothing else changed. Null when it does not apply or nothing is left.
 */
export function remainderOf(entry: CompletionEntry, prefix: string, suffix: string): Remainder | null {
  const typedLength = prefix.length - entry.prefix.length;
  if (typedLength < 0 || typedLength >= entry.text.length) return null;
  if (suffix !== entry.suffix) return null;
  // Compare the typed text first: it is short and rules most requests out.
  for (let i = 0; i < typedLength; i++) {
    if (prefix.charCodeAt(entry.prefix.length + i) !== entry.text.charCodeAt(i)) return null;
  }
  if (!prefix.startsWith(entry.prefix)) return null;
  return { entry, typed: typedLength, text: entry.text.slice(typedLength) };
}
