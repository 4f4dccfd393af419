import { readFileSync } from "node:fs";
import type Parser from "tree-sitter";
import type { LanguageName } from "../languages.js";
import { loadQuery, queryPath } from "../queries.js";
import { DEFINITION_CAPTURE } from "./kinds.js";

// One declaration table per language: the `@definition.<kind>` patterns of `grammars/<lang>/index.scm`.
// The query is the source of truth because it says more than a list of node types can (a declarator is a
// function only when its value is one, a Python name is a constant only in UPPER_CASE); every consumer runs
// it through findDeclarations(), and this module only reads it.

const QUERY_NAME = "index";

/** The compiled table (cached per language by loadQuery). */
export function declarationQuery(language: LanguageName): Parser.Query {
  return loadQuery(language, QUERY_NAME);
}

export interface TableEntry {
  /** The node type the `@definition` capture sits on. */
  nodeType: string;
  kind: string;
}

/** The table as data (node type and kind of each declaration pattern), read from the query's text. */
export function declarationTable(language: LanguageName): TableEntry[] {
  const source = readFileSync(queryPath(language, QUERY_NAME), "utf8").replace(/;.*$/gm, "").replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const entries = new Map<string, TableEntry>();
  const opens: number[] = [];
  const capture = new RegExp(`^\\)\\s*@${DEFINITION_CAPTURE.replace(".", "\\.")}(\\w+)`);
  for (let i = 0; i < source.length; i++) {
    if (source[i] === "(") opens.push(i);
    else if (source[i] === ")") {
      const open = opens.pop();
      const kind = source.slice(i).match(capture)?.[1];
      const nodeType = open === undefined ? undefined : source.slice(open + 1).match(/^\s*([\w.]+)/)?.[1];
      if (kind && nodeType) entries.set(`${nodeType}:${kind}`, { nodeType, kind });
    }
  }
  return [...entries.values()];
}
