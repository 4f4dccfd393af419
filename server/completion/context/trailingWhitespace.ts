// Byte-level BPE merges spaces into the *next* word (" return"), so a prompt that ends in spaces puts the model
// in a state it never saw in training (the tiny model then writes garbage; big ones drift). The prompt is sent
// without the cursor line's trailing spaces/tabs, and the model's output is shifted back to the real cursor.

/** The spaces/tabs at the end of the cursor line's text before the cursor, which the prompt leaves out. */
export function trailingWhitespace(linePrefix: string): string {
  // A scan from the end: the regex `[ \t]+$` retried from every space of a long run (quadratic; a line of 80,000
  // spaces in a repository's file took 2.8 s a completion).
  let start = linePrefix.length;
  while (start > 0 && (linePrefix.charCodeAt(start - 1) === 32 || linePrefix.charCodeAt(start - 1) === 9)) start--;
  return linePrefix.slice(start);
}

/**
 * Maps text generated after the trimmed prompt back to the real cursor: the whitespace the user already typed
 * is removed from its start; when the model wrote less (or other) whitespace, the user's wins.
 */
export function shiftToCursor(generated: string, removed: string): string {
  if (removed.length === 0) return generated;
  if (generated.startsWith(removed)) return generated.slice(removed.length);
  return generated.replace(/^[ \t]+/, "");
}
