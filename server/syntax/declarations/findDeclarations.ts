import type Parser from "tree-sitter";
import type { LanguageName } from "../languages.js";
import { nodeStart, nodeStartRow } from "../nodeStart.js";
import { DEFINITION_CAPTURE, TYPE_KINDS } from "./kinds.js";
import { declarationQuery } from "./table.js";

/** One declaration of a file, as the language's table (`grammars/<lang>/index.scm`) finds it. */
export interface Declaration {
  node: Parser.SyntaxNode;
  /** UTF-16 offsets and 0-based rows of the declaration node. */
  start: number;
  end: number;
  startRow: number;
  endRow: number;
  /** The declared name; a qualified name (`A::f`, `a.b`) keeps its last part here and the rest as owner. */
  name: string;
  nameStart: number;
  /** `@definition.<kind>`, with a function owned by a type (or with an explicit owner) made a method. */
  kind: string;
  /** Index of the query pattern that matched (the earliest pattern wins on one node). */
  pattern: number;
  /** An owner the code names (a Go receiver, C++ `A::`), else null. */
  explicitParent: string | null;
  /** The innermost declaration whose node encloses this one. */
  parent: Declaration | null;
  /** `owner.name`, the owner being the explicit one or the enclosing declaration's qualified name. */
  qualified: string;
  /** Position in the returned list (sorted by start, outer first). */
  index: number;
}

/** Captures of the same query that are not declarations (the index's `@import` and `@ignore`). */
export type OtherCapture = (name: string, node: Parser.SyntaxNode) => void;

/**
 * The declarations of a parsed file, sorted by start (an enclosing one first) and nested. One pass of the
 * query: `onOther` sees its other captures, so the index reads imports and ignored spans in the same pass.
 */
export function findDeclarations(text: string, tree: Parser.Tree, language: LanguageName, onOther?: OtherCapture): Declaration[] {
  const byNode = new Map<string, Declaration>();
  for (const match of declarationQuery(language).matches(tree.rootNode)) {
    let defNode: Parser.SyntaxNode | null = null;
    let kind = "";
    let nameNode: Parser.SyntaxNode | null = null;
    let explicitParent: string | null = null;
    for (const { name, node } of match.captures) {
      if (name === "name") nameNode = node;
      else if (name === "parent") explicitParent = text.slice(node.startIndex, node.endIndex);
      else if (name.startsWith(DEFINITION_CAPTURE)) {
        defNode = node;
        kind = name.slice(DEFINITION_CAPTURE.length);
      } else onOther?.(name, node);
    }
    if (!defNode || !nameNode) continue;
    const start = nodeStart(defNode);
    const end = defNode.endIndex;
    const key = `${start}:${end}`;
    const existing = byNode.get(key);
    // Several patterns can match one node (Go `type_spec`); the earliest pattern is the most specific.
    if (existing && existing.pattern <= match.pattern) continue;
    const nameStart = nodeStart(nameNode);
    let name = text.slice(nameStart, nameNode.endIndex);
    const qualifier = name.match(/^(.*)(?:::|\.)([^:.]+)$/);
    if (qualifier) {
      explicitParent ??= qualifier[1].replace(/::/g, ".");
      name = qualifier[2];
    }
    byNode.set(key, {
      node: defNode, start, end, startRow: nodeStartRow(defNode), endRow: defNode.endPosition.row,
      name, nameStart, kind, pattern: match.pattern, explicitParent, parent: null, qualified: name, index: 0,
    });
  }
  return nest([...byNode.values()].sort((a, b) => a.start - b.start || b.end - a.end));
}

/** Links each declaration to the one enclosing it and names it after its owner. */
function nest(declarations: Declaration[]): Declaration[] {
  const stack: Declaration[] = [];
  declarations.forEach((declaration, index) => {
    declaration.index = index;
    while (stack.length > 0 && stack[stack.length - 1].end <= declaration.start) stack.pop();
    const parent = stack[stack.length - 1] ?? null;
    declaration.parent = parent;
    const owner = declaration.explicitParent ?? parent?.qualified ?? null;
    if (declaration.kind === "function" && (declaration.explicitParent !== null || (parent !== null && TYPE_KINDS.has(parent.kind)))) {
      declaration.kind = "method";
    }
    declaration.qualified = owner ? `${owner}.${declaration.name}` : declaration.name;
    stack.push(declaration);
  });
  return declarations;
}
