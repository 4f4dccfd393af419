import type Parser from "tree-sitter";
import { findDeclarations, statementOf, wrappedStatementOf, type Declaration } from "../../syntax/declarations/index.js";
import { parse, type LanguageName } from "../../syntax/index.js";
import type { TextSpan } from "../types.js";

// Tree-sitter lookups on the declaration around a selection, from the language's declaration table. Node
// indices are UTF-16 offsets because syntax/parse() feeds the parser JavaScript string slices.

export interface SymbolInfo {
  name: string;
  /** Tree-sitter node type, e.g. `function_declaration`. */
  type: string;
  isFunction: boolean;
  /** The declaration node itself. */
  node: TextSpan;
  /** Where a comment above the declaration goes: before `export`, decorators and attributes. */
  outer: TextSpan;
  params: string[];
  /** Python: the function/class body block (where the docstring lives). */
  body: Parser.SyntaxNode | null;
  /** Comment nodes directly above `outer` (an existing doc comment), top first. */
  leadingComments: TextSpan[];
}

/** A function's own helpers and locals are part of it: a selection there is about the function. */
function insideFunction(declaration: Declaration): boolean {
  for (let owner = declaration.parent; owner; owner = owner.parent) {
    if (owner.kind === "function" || owner.kind === "method") return true;
  }
  return false;
}

/** The file's declarations (the language's declaration table) outside functions, found from any node inside one. */
class Declarations {
  private readonly byNode = new Map<number, Declaration>();

  readonly list: Declaration[];

  constructor(readonly tree: Parser.Tree, all: Declaration[]) {
    this.list = all.filter((declaration) => !insideFunction(declaration));
    for (const declaration of this.list) {
      this.byNode.set(declaration.node.id, declaration);
      this.byNode.set(statementOf(declaration).id, declaration);
    }
  }

  static of(text: string, language: LanguageName): Declarations {
    const tree = parse(text, language);
    return new Declarations(tree, findDeclarations(text, tree, language));
  }

  /** The declaration `node` is (or stands as, a `const` holding it), else null. */
  at(node: Parser.SyntaxNode): Declaration | null {
    return this.byNode.get(node.id) ?? null;
  }

  /** The innermost declaration around `node`, `node` included. */
  around(node: Parser.SyntaxNode | null): Declaration | null {
    for (let n = node; n; n = n.parent) {
      const declaration = this.at(n);
      if (declaration) return declaration;
    }
    return null;
  }
}

/** The innermost declaration containing the selection, else the first one starting inside it. */
export function symbolAt(text: string, language: LanguageName, selection: TextSpan): SymbolInfo | null {
  const declarations = Declarations.of(text, language);
  let start = selection.start;
  while (start < selection.end && /\s/.test(text[start])) start++;
  let end = selection.end;
  while (end > start && /\s/.test(text[end - 1])) end--;
  let found = declarations.around(declarations.tree.rootNode.descendantForIndex(start, Math.max(start, end - 1)));
  if (!found && end > start) found = declarations.list.find((d) => statementOf(d).startIndex >= start && statementOf(d).startIndex < end) ?? null;
  return found ? describe(found, text, language) : null;
}

/** The innermost declaration strictly larger than `span` (the context the selected code lives in), or null. */
export function containingSymbol(text: string, language: LanguageName, span: TextSpan): SymbolInfo | null {
  const declarations = Declarations.of(text, language);
  let found = declarations.around(declarations.tree.rootNode.descendantForIndex(span.start, Math.max(span.start, span.end - 1)));
  while (found) {
    const info = describe(found, text, language);
    if (info.outer.start < span.start || info.outer.end > span.end) {
      if (text.slice(info.outer.start, span.start).trim() !== "" || text.slice(span.end, info.outer.end).trim() !== "") return info;
    }
    found = declarations.around(statementOf(found).parent);
  }
  return null;
}

function describe(declaration: Declaration, text: string, language: LanguageName): SymbolInfo {
  const node = statementOf(declaration);
  const outer = wrappedStatementOf(declaration);
  let outerStart = outer.startIndex;
  // Rust attributes (`#[derive(…)]`) are siblings above the item: the doc comment goes above them.
  let prev = outer.previousNamedSibling;
  while (prev && prev.type === "attribute_item" && adjacentLines(text, prev.endIndex, outerStart)) {
    outerStart = prev.startIndex;
    prev = prev.previousNamedSibling;
  }
  const comments: TextSpan[] = [];
  let above = outerStart;
  while (prev && (prev.type === "comment" || prev.type === "line_comment" || prev.type === "block_comment") && adjacentLines(text, prev.endIndex, above)) {
    comments.unshift({ start: prev.startIndex, end: prev.endIndex });
    above = prev.startIndex;
    prev = prev.previousNamedSibling;
  }
  const isFunction = declaration.kind === "function" || declaration.kind === "method";
  const value = declaration.node.childForFieldName("value");
  return {
    name: declaration.name,
    type: node.type,
    isFunction,
    node: { start: node.startIndex, end: node.endIndex },
    outer: { start: outerStart, end: outer.endIndex },
    params: isFunction ? paramNames(value ?? declaration.node, language) : [],
    body: language === "python" ? declaration.node.childForFieldName("body") : null,
    leadingComments: comments,
  };
}

/** Whether `a` and `b` are on consecutive lines (only whitespace and one line break between). */
function adjacentLines(text: string, a: number, b: number): boolean {
  const between = text.slice(a, b);
  return /^[ \t]*\r?\n[ \t]*$/.test(between);
}

function descendantOfType(node: Parser.SyntaxNode, type: string): Parser.SyntaxNode | null {
  if (node.type === type) return node;
  for (const child of node.namedChildren) {
    const found = descendantOfType(child, type);
    if (found) return found;
  }
  return null;
}

function firstIdentifier(node: Parser.SyntaxNode): Parser.SyntaxNode | null {
  if (/identifier$/.test(node.type)) return node;
  for (const child of node.namedChildren) {
    const found = firstIdentifier(child);
    if (found) return found;
  }
  return null;
}

function paramNames(node: Parser.SyntaxNode, language: LanguageName): string[] {
  const params =
    node.childForFieldName("parameters") ??
    node.childForFieldName("parameter") ??
    descendantOfType(node.childForFieldName("declarator") ?? node, "parameter_list");
  if (!params) return [];
  if (/identifier$/.test(params.type)) return [params.text];
  const names: string[] = [];
  for (const param of params.namedChildren) {
    if (/comment|self_parameter/.test(param.type)) continue;
    if (language === "go" && param.type === "parameter_declaration") {
      for (const c of param.namedChildren) if (c.type === "identifier") names.push(c.text);
      continue;
    }
    if (/identifier$/.test(param.type)) {
      names.push(param.text);
      continue;
    }
    if (/splat|variadic|rest/.test(param.type)) {
      const id = firstIdentifier(param);
      if (id) names.push(id.text);
      continue;
    }
    const target = param.childForFieldName("pattern") ?? param.childForFieldName("name") ?? param.childForFieldName("declarator") ?? param;
    const id = /identifier$/.test(target.type) ? target : firstIdentifier(target);
    if (id) names.push(id.text);
  }
  return names.filter((n) => !(language === "python" && (n === "self" || n === "cls")));
}
