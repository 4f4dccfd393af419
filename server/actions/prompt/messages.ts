import { relative, sep } from "node:path";
import type { CodeIndex } from "../../index/types.js";
import type { ChatMessage } from "../../inference/types.js";
import type { LanguageName } from "../../syntax/index.js";
import { containingSymbol } from "../language/symbols.js";
import { describeStyle } from "../language/style.js";
import type { ActionDocument, TextSpan } from "../types.js";
import { definitionsUsedIn } from "./indexContext.js";

export function fenced(tag: string, code: string): string {
  const fence = code.includes("```") ? "````" : "```";
  return `${fence}${tag}\n${code.trimEnd()}\n${fence}`;
}

export function systemMessage(languageName: string): ChatMessage {
  return {
    role: "system",
    text: `You are dhi, a careful ${languageName} programmer working inside the user's editor. Follow the instruction exactly, keep the file's style, and answer in the requested format with no extra commentary.`,
  };
}

/** Workspace-relative display path (or the URI for untitled buffers). */
export function displayPath(document: ActionDocument, root: string | null): string {
  if (!document.path) return document.uri;
  if (!root) return document.path;
  const rel = relative(root, document.path);
  return rel.startsWith("..") ? document.path : rel.split(sep).join("/");
}

const MAX_SYMBOL_LINES = 80;

/**
 * The shared context paragraphs: file, language and style; the enclosing declaration (when the code is part
 * of a bigger one); and the index definitions of the identifiers the code uses.
 */
export function contextSections(args: {
  document: ActionDocument;
  root: string | null;
  language: LanguageName | null;
  tag: string;
  code: string;
  region: TextSpan;
  index: CodeIndex | null;
}): string[] {
  const { document, language, tag } = args;
  const path = displayPath(document, args.root);
  const sections = [`File: ${path} (${language ?? document.languageId}). Style: ${describeStyle(document.text, language)}.`];
  const symbol = language ? containingSymbol(document.text, language, args.region) : null;
  if (symbol) {
    const lines = document.text.slice(symbol.outer.start, symbol.outer.end).split("\n");
    const shown = lines.length > MAX_SYMBOL_LINES ? [...lines.slice(0, MAX_SYMBOL_LINES), "…"] : lines;
    sections.push(`The code is part of \`${symbol.name}\`:\n${fenced(tag, shown.join("\n"))}`);
  }
  const relPath = document.path && args.root ? relative(args.root, document.path).split(sep).join("/") : null;
  const definitions = definitionsUsedIn(args.code, args.index, relPath);
  if (definitions.length > 0) {
    sections.push(`Definitions of names it uses:\n${fenced(tag, definitions.map((d) => `// ${d.path}:${d.startLine} ${d.name}\n${d.text}`).join("\n\n"))}`);
  }
  return sections;
}
