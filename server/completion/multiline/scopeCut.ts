import { indentColumns, isBlank } from "../../text/lines.js";

/** What the indentation-scope rule needs to know about the cursor line. */
export interface ScopeInfo {
  /** Text of the cursor line before the cursor. */
  linePrefix: string;
  /** Columns one tab counts for. */
  tabWidth: number;
}

const BLOCK_OPENER_AT_END = /(?:[{([:]|=>)\s*$/;
const CLOSER_LINE = /^\s*[)\]}]/;

/**
 * Where the completion leaves the block the cursor is in (the llama.vim `n_indent` / Tabby `limitScope` rule):
 * returns the cut offset in `text`, or null when every line decided so far stays in scope.
 *
 * - After a line the user ended with a block opener, body lines must be indented deeper than the cursor line;
 *   a closing-bracket line at the cursor line's indent ends the block and is kept, anything else there is cut.
 * - Otherwise (a blank line in a body, the middle of a statement), the first line indented less than the
 *   cursor line is cut.
 * `complete` says the text is final: a trailing line without a newline is judged too.
 */
export function scopeCut(text: string, scope: ScopeInfo, complete: boolean): number | null {
  const lines = text.split("\n");
  const cursorLine = scope.linePrefix + lines[0];
  const opensBlock = !isBlank(scope.linePrefix) && BLOCK_OPENER_AT_END.test(scope.linePrefix);
  // Reference indent: the cursor line's, or the first non-blank completion line's when the cursor line is blank.
  let reference: number | null = isBlank(cursorLine) ? null : indentColumns(cursorLine, scope.tabWidth);
  let offset = lines[0].length + 1;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const lineStart = offset;
    offset += line.length + 1;
    const isLast = i === lines.length - 1;
    if (isBlank(line)) continue;
    // Indentation is known once the line has a non-whitespace character.
    const indent = indentColumns(line, scope.tabWidth);
    if (reference === null) {
      reference = indent;
      continue;
    }
    if (opensBlock) {
      if (indent > reference) continue;
      if (indent === reference && CLOSER_LINE.test(line)) {
        if (isLast && !complete) return null; // wait until the closing line is finished
        return Math.min(offset - 1, text.length);
      }
      return lineStart;
    }
    if (indent < reference) return lineStart;
  }
  return null;
}
