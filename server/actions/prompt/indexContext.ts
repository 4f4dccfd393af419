import { KEYWORDS } from "../../index/identifiers.js";
import type { CodeIndex } from "../../index/types.js";

export interface DefinitionSnippet {
  name: string;
  path: string;
  startLine: number;
  text: string;
}

const MAX_IDENTIFIERS = 24;

/**
 * Definitions (from the index) of the identifiers `code` uses but does not define itself, within `maxChars`.
 * Degrades to nothing without an index, or when the index throws: context is a bonus, never a blocker.
 */
export function definitionsUsedIn(code: string, index: CodeIndex | null, selfPath: string | null, maxChars = 3000): DefinitionSnippet[] {
  if (!index) return [];
  const seen = new Set<string>();
  const names: string[] = [];
  for (const m of code.matchAll(/[A-Za-z_$][A-Za-z0-9_$]*/g)) {
    const word = m[0];
    if (word.length < 3 || KEYWORDS.has(word) || seen.has(word)) continue;
    // Skip names the code defines itself: its own definitions add nothing.
    const definedHere = new RegExp(`(function|class|def|fn|func|type|interface|const|let|var)\\s+${word.replace(/\$/g, "\\$")}\\b`).test(code);
    seen.add(word);
    if (!definedHere) names.push(word);
    if (names.length >= MAX_IDENTIFIERS) break;
  }
  const out: DefinitionSnippet[] = [];
  let used = 0;
  for (const name of names) {
    let locations;
    try {
      locations = index.definitions(name);
    } catch {
      return out;
    }
    const location = locations[0];
    if (!location) continue;
    let text: string | undefined;
    try {
      const chunks = index.chunksOf(location.path);
      text = (chunks.find((c) => c.symbol?.split(".").pop() === name && c.startLine === location.startLine) ?? chunks.find((c) => c.startLine <= location.startLine && c.endLine >= location.endLine))?.text;
    } catch {
      text = undefined;
    }
    if (!text) continue;
    if (selfPath && location.path === selfPath && code.includes(text.trim().split("\n")[0])) continue;
    const clipped = text.split("\n").slice(0, 30).join("\n");
    if (used + clipped.length > maxChars) break;
    used += clipped.length;
    out.push({ name, path: location.path, startLine: location.startLine, text: clipped });
  }
  return out;
}
