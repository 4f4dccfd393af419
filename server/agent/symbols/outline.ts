import type Parser from "tree-sitter";
import { languageOf, parse } from "../../syntax/index.js";

export interface OutlineSymbol {
  name: string;
  kind: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  parent: string | null;
}

// Declarations worth editing one at a time, across the supported grammars.
const DECLARATIONS: Record<string, string> = {
  function_declaration: "function",
  generator_function_declaration: "function",
  class_declaration: "class",
  abstract_class_declaration: "class",
  interface_declaration: "interface",
  type_alias_declaration: "type",
  enum_declaration: "enum",
  method_definition: "method",
  function_definition: "function",
  class_definition: "class",
  method_declaration: "method",
  type_declaration: "type",
  function_item: "function",
  struct_item: "struct",
  enum_item: "enum",
  impl_item: "impl",
  trait_item: "trait",
};

const CONTAINERS = new Set(["class_body", "block", "declaration_list", "program", "module", "source_file", "translation_unit", "export_statement", "decorated_definition"]);

function nameOf(node: Parser.SyntaxNode): string | null {
  const named = node.childForFieldName("name") ?? node.childForFieldName("type");
  if (named) return named.text;
  if (node.type === "function_definition") {
    // C/C++: the name sits inside the declarator chain.
    let d = node.childForFieldName("declarator");
    while (d && d.childForFieldName("declarator")) d = d.childForFieldName("declarator");
    return d?.text ?? null;
  }
  if (node.type === "type_declaration") return node.namedChildren[0]?.childForFieldName("name")?.text ?? null;
  return null;
}

/** `const f = () => …` and `const f = function …` count as functions. */
function variableFunction(node: Parser.SyntaxNode): string | null {
  if (node.type !== "lexical_declaration" && node.type !== "variable_declaration") return null;
  for (const declarator of node.namedChildren) {
    const value = declarator.childForFieldName("value");
    if (value && /function|arrow_function/.test(value.type)) return declarator.childForFieldName("name")?.text ?? null;
  }
  return null;
}

/** Top-level declarations and the methods of top-level classes, from tree-sitter (no index needed). */
export function outline(path: string, text: string): OutlineSymbol[] {
  const language = languageOf(path);
  if (!language) return [];
  const tree = parse(text, language);
  const out: OutlineSymbol[] = [];
  const visit = (node: Parser.SyntaxNode, parent: string | null, depth: number): void => {
    for (const child of node.namedChildren) {
      // The span includes a wrapping export/decorator so an edit replaces the whole declaration.
      const outer = node.type === "export_statement" || node.type === "decorated_definition" ? node : child;
      const kind = DECLARATIONS[child.type];
      const name = kind ? nameOf(child) : variableFunction(child);
      if (name) {
        const symbolKind = kind ?? "function";
        const full = parent && symbolKind === "function" ? "method" : symbolKind;
        out.push({ name, kind: full, startLine: outer.startPosition.row + 1, endLine: outer.endPosition.row + 1, parent });
        if (depth < 1) {
          const body = child.childForFieldName("body");
          if (body) visit(body, name, depth + 1);
        }
      } else if (CONTAINERS.has(child.type)) {
        visit(child, parent, depth);
      }
    }
  };
  visit(tree.rootNode, null, 0);
  return out;
}
