import type Parser from "tree-sitter";

// node-tree-sitter keeps a node's TSNode in the JS object as six numbers (its id, then context[0..3]:
// start byte, start row, start column, alias). The startIndex/startPosition getters copy them back into
// native code and call it; reading the fields directly avoids that round trip, which was ~5% of indexing.
// The layout is checked against the getters once, and the getters stay in use if a binding ever changes it.

type Marshalled = Parser.SyntaxNode & { [field: number]: number };

let layoutOk: boolean | null = null;

function checkLayout(node: Marshalled): boolean {
  const probe = (node.firstNamedChild ?? node) as Marshalled;
  return typeof probe[2] === "number" && probe[2] / 2 === probe.startIndex && probe[3] === probe.startPosition.row;
}

/** `node.startIndex` (UTF-16 code units: the text is parsed as UTF-16). */
export function nodeStart(node: Parser.SyntaxNode): number {
  const n = node as Marshalled;
  layoutOk ??= checkLayout(n);
  return layoutOk ? n[2] / 2 : node.startIndex;
}

/** `node.startPosition.row`. */
export function nodeStartRow(node: Parser.SyntaxNode): number {
  const n = node as Marshalled;
  layoutOk ??= checkLayout(n);
  return layoutOk ? n[3] : node.startPosition.row;
}
