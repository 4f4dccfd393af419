import type { CodeIndex } from "../../index/types.js";
import { languageOf } from "../../syntax/index.js";
import { throwIfAborted } from "../../util/abort.js";
import { outline } from "../symbols/outline.js";
import type { Target } from "../types.js";
import { listFiles } from "./listFiles.js";
import { readWorkspaceFile } from "./readFile.js";

export interface SearchCodeOptions {
  root: string;
  index: CodeIndex | null;
  query: string;
  k: number;
  signal?: AbortSignal;
}

const STOP_WORDS = new Set(["the", "a", "an", "and", "or", "to", "of", "in", "on", "for", "with", "that", "this", "it", "is", "be", "so", "make", "fix", "add", "change", "edit", "please", "function", "file", "test", "tests", "should", "from", "into"]);

/** Words of the instruction worth matching against code (identifiers split on camelCase/snake_case too). */
export function queryTerms(query: string): string[] {
  const words = query.match(/[A-Za-z_][A-Za-z0-9_]{1,}/g) ?? [];
  const terms = new Set<string>();
  for (const word of words) {
    const lower = word.toLowerCase();
    if (!STOP_WORDS.has(lower)) terms.add(lower);
    for (const part of word.split(/(?<=[a-z0-9])(?=[A-Z])|_/)) {
      const p = part.toLowerCase();
      if (p.length > 2 && !STOP_WORDS.has(p)) terms.add(p);
    }
  }
  return [...terms];
}

/**
 * Hybrid search through the index when there is one; otherwise a lexical scan of the workspace's
 * source files, scored per symbol by how many query terms it contains.
 */
export async function searchCode(options: SearchCodeOptions): Promise<Target[]> {
  const { index, query, k } = options;
  if (index) {
    const hits = await index.search(query, { k, signal: options.signal });
    return hits.map((hit) => ({
      path: hit.chunk.path,
      symbol: hit.chunk.symbol,
      startLine: hit.chunk.startLine,
      endLine: hit.chunk.endLine,
      reason: "search",
      score: hit.score,
    }));
  }
  return lexicalSearch(options);
}

async function lexicalSearch({ root, query, k, signal }: SearchCodeOptions): Promise<Target[]> {
  const terms = queryTerms(query);
  if (terms.length === 0) return [];
  const files = (await listFiles(root, { signal })).filter((p) => languageOf(p) !== null);
  const scored: Target[] = [];
  for (const path of files.slice(0, 2000)) {
    throwIfAborted(signal);
    const text = await readWorkspaceFile(root, path);
    if (text === null || text.length > 500_000) continue;
    const lines = text.split("\n");
    const pathLower = path.toLowerCase();
    const symbols = outline(path, text).filter((s) => s.kind !== "class" || s.endLine - s.startLine < 80);
    const spans = symbols.length > 0 ? symbols : [{ name: null, startLine: 1, endLine: lines.length }];
    for (const span of spans) {
      const body = lines.slice(span.startLine - 1, span.endLine).join("\n").toLowerCase();
      let score = 0;
      for (const term of terms) {
        if (body.includes(term)) score += 1;
        if (span.name?.toLowerCase() === term) score += 2;
        if (pathLower.includes(term)) score += 0.5;
      }
      if (score > 0) scored.push({ path, symbol: span.name, startLine: span.startLine, endLine: span.endLine, reason: "search", score });
    }
  }
  return scored.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path)).slice(0, k);
}
