import { extname } from "node:path";
import { createRequire } from "node:module";
import type Parser from "tree-sitter";

// Grammar packages are CommonJS native addons; createRequire loads them lazily, on first use per language.
const require = createRequire(import.meta.url);

export type LanguageName = "typescript" | "tsx" | "javascript" | "python" | "go" | "rust" | "java" | "c" | "cpp";

type Grammar = Parser.Language;

const LOADERS: Record<LanguageName, () => Grammar> = {
  typescript: () => (require("tree-sitter-typescript") as { typescript: Grammar }).typescript,
  tsx: () => (require("tree-sitter-typescript") as { tsx: Grammar }).tsx,
  javascript: () => require("tree-sitter-javascript") as Grammar,
  python: () => require("tree-sitter-python") as Grammar,
  go: () => require("tree-sitter-go") as Grammar,
  rust: () => require("tree-sitter-rust") as Grammar,
  java: () => require("tree-sitter-java") as Grammar,
  c: () => require("tree-sitter-c") as Grammar,
  cpp: () => require("tree-sitter-cpp") as Grammar,
};

export const SUPPORTED_LANGUAGES = Object.keys(LOADERS) as LanguageName[];

const BY_EXTENSION: Record<string, LanguageName> = {
  ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
  ".tsx": "tsx",
  ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
  ".py": "python", ".pyi": "python",
  ".go": "go",
  ".rs": "rust",
  ".java": "java",
  ".c": "c", ".h": "c",
  ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
};

const BY_LANGUAGE_ID: Record<string, LanguageName> = {
  typescript: "typescript", typescriptreact: "tsx", javascript: "javascript", javascriptreact: "javascript",
  python: "python", go: "go", rust: "rust", java: "java", c: "c", cpp: "cpp",
};

/** Language from an LSP languageId when known, else from the file extension; null for unknown languages. */
export function languageOf(pathOrUri: string, languageId?: string): LanguageName | null {
  if (languageId && BY_LANGUAGE_ID[languageId]) return BY_LANGUAGE_ID[languageId];
  return BY_EXTENSION[extname(pathOrUri).toLowerCase()] ?? null;
}

const loaded = new Map<LanguageName, Grammar>();

export function grammarFor(language: LanguageName): Grammar {
  let grammar = loaded.get(language);
  if (!grammar) {
    grammar = LOADERS[language]();
    loaded.set(language, grammar);
  }
  return grammar;
}
