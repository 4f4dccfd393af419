import { findDeclarations, VALUE_KINDS, wrappedStatementOf, type Declaration } from "../../syntax/declarations/index.js";
import { languageOf, parse } from "../../syntax/index.js";

export interface OutlineSymbol {
  name: string;
  kind: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  parent: string | null;
}

/** Code worth editing one at a time: functions and types, not values (constants, fields, …). */
function isOutlined(declaration: Declaration): boolean {
  return !VALUE_KINDS.has(declaration.kind);
}

/**
 * Top-level declarations and the members of top-level ones (methods, nested functions), from the language's
 * declaration table (no index needed). Declarations inside a value (`const o = { f() {} }`) are left out.
 */
export function outline(path: string, text: string): OutlineSymbol[] {
  const language = languageOf(path);
  if (!language) return [];
  const out: OutlineSymbol[] = [];
  for (const declaration of findDeclarations(text, parse(text, language), language)) {
    const parent = declaration.parent;
    if (!isOutlined(declaration)) continue;
    if (parent && (parent.parent !== null || !isOutlined(parent))) continue;
    // The span includes a wrapping export/decorator and a holding `const`, so an edit replaces the whole declaration.
    const outer = wrappedStatementOf(declaration);
    out.push({ name: declaration.name, kind: declaration.kind, startLine: outer.startPosition.row + 1, endLine: outer.endPosition.row + 1, parent: parent?.name ?? null });
  }
  return out;
}
