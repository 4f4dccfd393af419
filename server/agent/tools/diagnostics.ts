import { checkSyntax, languageOf } from "../../syntax/index.js";

/**
 * Syntax diagnostics from tree-sitter, one line each (`path:line:col message`, 1-based);
 * empty for clean files and for languages without a grammar.
 */
export function syntaxDiagnostics(path: string, text: string): string[] {
  const language = languageOf(path);
  if (!language) return [];
  const check = checkSyntax(text, language);
  return check.errors.map((e) => `${path}:${e.line + 1}:${e.column + 1} syntax error: ${e.message}`);
}
