import Parser from "tree-sitter";
import { grammarFor, type LanguageName } from "./languages.js";
import type { ParseCheck, SyntaxError } from "./types.js";

const parsers = new Map<LanguageName, Parser>();

function parserFor(language: LanguageName): Parser {
  let parser = parsers.get(language);
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(grammarFor(language));
    parsers.set(language, parser);
  }
  return parser;
}

/** Parses `text`; the tree's columns are UTF-8 byte offsets, as tree-sitter reports them. */
export function parse(text: string, language: LanguageName): Parser.Tree {
  // The callback form avoids native string-size limits on very large buffers.
  return parserFor(language).parse((index: number) => text.slice(index, index + 65_536));
}

/** Converts a tree-sitter byte column on `lineText` to a UTF-16 column. */
export function utf16Column(lineText: string, byteColumn: number): number {
  const bytes = Buffer.from(lineText, "utf8");
  return bytes.subarray(0, byteColumn).toString("utf8").length;
}

const MAX_REPORTED = 20;

/** Counts ERROR and MISSING nodes and describes the first few. */
export function checkSyntax(text: string, language: LanguageName): ParseCheck {
  const tree = parse(text, language);
  const lines = text.split("\n");
  const errors: SyntaxError[] = [];
  let errorCount = 0;
  const visit = (node: Parser.SyntaxNode): void => {
    if (!node.hasError && !node.isMissing) return;
    if (node.isMissing || node.type === "ERROR") {
      errorCount++;
      if (errors.length < MAX_REPORTED) {
        const { row, column } = node.startPosition;
        const snippet = node.text.split("\n")[0].slice(0, 40);
        errors.push({
          line: row,
          column: utf16Column(lines[row] ?? "", column),
          message: node.isMissing ? `missing "${node.type}"` : `unexpected ${JSON.stringify(snippet)}`,
        });
      }
      if (node.type === "ERROR") return; // One report per broken region, not per child.
    }
    for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return { errorCount, errors };
}
