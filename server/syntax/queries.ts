import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Parser from "tree-sitter";
import { grammarFor, type LanguageName } from "./languages.js";

// Both server/syntax/x.ts (vitest) and dist/syntax/x.js sit two levels below the package root.
const GRAMMARS_DIR = new URL("../../grammars/", import.meta.url);

/** TSX shares the TypeScript queries: its node types are a superset. */
const QUERY_FOLDER: Record<LanguageName, string> = {
  typescript: "typescript", tsx: "typescript", javascript: "javascript", python: "python",
  go: "go", rust: "rust", java: "java", c: "c", cpp: "cpp",
};

/** Absolute path of `grammars/<lang>/<name>.scm`. */
export function queryPath(language: LanguageName, name: string): string {
  return fileURLToPath(new URL(`${QUERY_FOLDER[language]}/${name}.scm`, GRAMMARS_DIR));
}

const compiled = new Map<string, Parser.Query>();

/** Compiles (once per language) the query `grammars/<lang>/<name>.scm`; throws when it is missing or invalid. */
export function loadQuery(language: LanguageName, name: string): Parser.Query {
  const key = `${language}/${name}`;
  let query = compiled.get(key);
  if (!query) {
    const source = readFileSync(queryPath(language, name), "utf8");
    query = new Parser.Query(grammarFor(language), source);
    compiled.set(key, query);
  }
  return query;
}
