import type Parser from "tree-sitter";
import type { Declaration } from "./findDeclarations.js";

/**
 * Statements that hold one declaration the table captures inside them: `const f = …` (the declarator is
 * captured), Go `type T struct{}` (the type_spec), a TypeScript `namespace` or a Python assignment.
 */
const HOLDERS = new Set(["lexical_declaration", "variable_declaration", "type_declaration", "expression_statement"]);

/** Wrappers that belong to the declaration they wrap: `export`, decorators. */
const WRAPPERS = new Set(["export_statement", "decorated_definition"]);

/** The statement a declaration stands as: its node, or the statement holding only it. */
export function statementOf(declaration: Declaration): Parser.SyntaxNode {
  const node = declaration.node;
  const holder = node.parent;
  if (!holder || !HOLDERS.has(holder.type)) return node;
  const others = holder.namedChildren.filter((child) => child.id !== node.id && !child.type.includes("comment"));
  return others.length === 0 ? holder : node;
}

/** The statement with its wrappers: what an edit of the whole declaration replaces. */
export function wrappedStatementOf(declaration: Declaration): Parser.SyntaxNode {
  let outer = statementOf(declaration);
  while (outer.parent && WRAPPERS.has(outer.parent.type)) outer = outer.parent;
  return outer;
}
