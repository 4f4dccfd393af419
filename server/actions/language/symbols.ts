import type Parser from "tree-sitter";
import { parse, type LanguageName } from "../../syntax/index.js";
import type { TextSpan } from "../types.js";

// Tree-sitter lookups on the declaration around a selection. Node indices are UTF-16 offsets because
// syntax/parse() feeds the parser JavaScript string slices.

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

const SYMBOL_TYPES: Record<LanguageName, readonly string[]> = {
  typescript: ["function_declaration", "generator_function_declaration", "method_definition", "class_declaration", "abstract_class_declaration", "interface_declaration", "type_alias_declaration", "enum_declaration", "lexical_declaration", "variable_declaration", "public_field_definition", "method_signature", "abstract_method_signature", "function_signature"],
  tsx: [],
  javascript: ["function_declaration", "generator_function_declaration", "method_definition", "class_declaration", "lexical_declaration", "variable_declaration", "field_definition"],
  python: ["function_definition", "class_definition"],
  go: ["function_declaration", "method_declaration", "type_declaration"],
  rust: ["function_item", "function_signature_item", "struct_item", "enum_item", "impl_item", "trait_item", "mod_item", "type_item", "const_item", "static_item"],
  java: ["method_declaration", "constructor_declaration", "class_declaration", "interface_declaration", "enum_declaration", "record_declaration"],
  c: ["function_definition", "struct_specifier", "enum_specifier", "declaration", "type_definition"],
  cpp: ["function_definition", "struct_specifier", "class_specifier", "enum_specifier", "declaration", "type_definition", "namespace_definition"],
};

function symbolTypes(language: LanguageName): readonly string[] {
  return language === "tsx" ? SYMBOL_TYPES.typescript : SYMBOL_TYPES[language];
}

/** Declarations that only count at the top level (a `const` inside a function is not a symbol). */
const TOP_LEVEL_ONLY = new Set(["lexical_declaration", "variable_declaration", "declaration", "type_definition"]);
const TOP_LEVEL_PARENTS = new Set(["program", "source_file", "translation_unit", "export_statement", "module", "declaration_list"]);

function isSymbol(node: Parser.SyntaxNode, types: readonly string[]): boolean {
  if (!types.includes(node.type)) return false;
  if (!TOP_LEVEL_ONLY.has(node.type)) return true;
  if (!node.parent || !TOP_LEVEL_PARENTS.has(node.parent.type)) return false;
  // A C `declaration` is a symbol only when it declares a function (a prototype).
  if (node.type === "declaration") return descendantOfType(node, "function_declarator") !== null;
  return true;
}

/** The innermost declaration containing the selection, else the first one starting inside it. */
export function symbolAt(text: string, language: LanguageName, selection: TextSpan): SymbolInfo | null {
  const tree = parse(text, language);
  const types = symbolTypes(language);
  let start = selection.start;
  while (start < selection.end && /\s/.test(text[start])) start++;
  let end = selection.end;
  while (end > start && /\s/.test(text[end - 1])) end--;
  let node: Parser.SyntaxNode | null = tree.rootNode.descendantForIndex(start, Math.max(start, end - 1));
  while (node && !isSymbol(node, types)) node = node.parent;
  if (!node && end > start) node = firstSymbolIn(tree.rootNode, types, { start, end });
  return node ? describe(node, text, language) : null;
}

/** The innermost declaration strictly larger than `span` (the context the selected code lives in), or null. */
export function containingSymbol(text: string, language: LanguageName, span: TextSpan): SymbolInfo | null {
  const tree = parse(text, language);
  const types = symbolTypes(language);
  let node: Parser.SyntaxNode | null = tree.rootNode.descendantForIndex(span.start, Math.max(span.start, span.end - 1));
  while (node) {
    if (isSymbol(node, types)) {
      const info = describe(node, text, language);
      if (info.outer.start < span.start || info.outer.end > span.end) {
        if (text.slice(info.outer.start, span.start).trim() !== "" || text.slice(span.end, info.outer.end).trim() !== "") return info;
      }
    }
    node = node.parent;
  }
  return null;
}

function firstSymbolIn(root: Parser.SyntaxNode, types: readonly string[], span: TextSpan): Parser.SyntaxNode | null {
  const stack = [...root.namedChildren].reverse();
  while (stack.length > 0) {
    const node = stack.pop() as Parser.SyntaxNode;
    if (node.endIndex <= span.start || node.startIndex >= span.end) continue;
    if (node.startIndex >= span.start && isSymbol(node, types)) return node;
    stack.push(...[...node.namedChildren].reverse());
  }
  return null;
}

function describe(node: Parser.SyntaxNode, text: string, language: LanguageName): SymbolInfo {
  let outer = node;
  while (outer.parent && (outer.parent.type === "export_statement" || outer.parent.type === "decorated_definition")) outer = outer.parent;
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
  const declarator = node.type === "lexical_declaration" || node.type === "variable_declaration" ? node.namedChildren.find((c) => c.type === "variable_declarator") ?? null : null;
  const value = declarator?.childForFieldName("value") ?? null;
  const isFunction = /function|method|constructor/.test(node.type) || (value !== null && /function|arrow/.test(value.type));
  return {
    name: symbolName(node, declarator),
    type: node.type,
    isFunction,
    node: { start: node.startIndex, end: node.endIndex },
    outer: { start: outerStart, end: outer.endIndex },
    params: isFunction ? paramNames(value ?? node, language) : [],
    body: language === "python" ? node.childForFieldName("body") : null,
    leadingComments: comments,
  };
}

/** Whether `a` and `b` are on consecutive lines (only whitespace and one line break between). */
function adjacentLines(text: string, a: number, b: number): boolean {
  const between = text.slice(a, b);
  return /^[ \t]*\r?\n[ \t]*$/.test(between);
}

function symbolName(node: Parser.SyntaxNode, declarator: Parser.SyntaxNode | null): string {
  const named = declarator?.childForFieldName("name") ?? node.childForFieldName("name") ?? node.childForFieldName("type");
  if (named) return named.text;
  const inner = node.childForFieldName("declarator");
  const id = inner ? firstIdentifier(inner) : firstIdentifier(node);
  return id?.text ?? "";
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
