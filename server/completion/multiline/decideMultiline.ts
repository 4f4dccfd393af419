import type Parser from "tree-sitter";
import type { SyntaxWindow } from "../verify/syntaxWindow.js";

export interface MultilineDecision {
  multiline: boolean;
  reason: string;
}

// Node types whose emptiness means "the user wants a body here".
const BODY = /block|body|suite|compound_statement|declaration_list|field_declaration_list|statement_list/;
const OPENER_AT_END = /(?:[{:]|=>)\s*$/;
// What editors auto-insert after the cursor; a line suffix of only these is not "middle of a line".
const AUTO_CLOSED = /^[\s)\]}"'`;,]*$/;

function isEmptyBody(node: Parser.SyntaxNode): boolean {
  for (const child of node.namedChildren) if (!child.type.includes("comment")) return false;
  return true;
}

/**
 * Single- vs multi-line, llm-ls style:
 * - the `completion.multiline` setting wins when it is a boolean;
 * - text after the cursor on its line (other than auto-closed brackets/quotes) → single line;
 * - the cursor inside an empty block/body (tree-sitter) → multi-line;
 * - a blank line, or a line ending in a block opener → multi-line;
 * - anything else (the end of a statement or expression) → single line.
 */
export function decideMultiline(
  setting: boolean | "auto",
  linePrefix: string,
  lineSuffix: string,
  window: SyntaxWindow | null,
): MultilineDecision {
  if (setting !== "auto") return { multiline: setting, reason: "setting" };
  if (!AUTO_CLOSED.test(lineSuffix)) return { multiline: false, reason: "middle of line" };
  if (window) {
    const at = Math.max(0, window.cursor - 1);
    let node: Parser.SyntaxNode | null = window.tree.rootNode.descendantForIndex(at, at);
    for (let depth = 0; node && depth < 6; depth++, node = node.parent) {
      if (node.type.includes("comment") || (node.type.includes("string") && node.endIndex > window.cursor)) {
        return { multiline: false, reason: `inside ${node.type}` };
      }
      if (BODY.test(node.type) && node.startIndex <= window.cursor && node.endIndex >= window.cursor && isEmptyBody(node)) {
        return { multiline: true, reason: `empty ${node.type}` };
      }
    }
  }
  if (linePrefix.trim().length === 0) return { multiline: true, reason: "blank line" };
  if (OPENER_AT_END.test(linePrefix)) return { multiline: true, reason: "opens a block" };
  return { multiline: false, reason: "end of line" };
}
