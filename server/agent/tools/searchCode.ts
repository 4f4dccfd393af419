import type { Chunk, CodeIndex } from "../../index/types.js";
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
    const terms = new Set(queryTerms(query));
    const out: Target[] = [];
    for (const hit of hits) out.push(...(await symbolTargets(options.root, hit.chunk, hit.score, terms)));
    return out;
  }
  return lexicalSearch(options);
}

/**
 * Edits are single-symbol: a hit on a block or a whole small file becomes one target per top-level symbol
 * inside it (a symbol named in the query ranks higher); a hit on a symbol stays as it is.
 */
async function symbolTargets(root: string, chunk: Chunk, score: number, terms: ReadonlySet<string>): Promise<Target[]> {
  const base: Target = { path: chunk.path, symbol: chunk.symbol, startLine: chunk.startLine, endLine: chunk.endLine, reason: "search", score };
  const bonus = (name: string | null) => (name && terms.has(name.toLowerCase()) ? 2 * Math.max(score, 0.01) + 1 : 0);
  if (chunk.symbol) return [{ ...base, score: score + bonus(chunk.symbol) }];
  const text = await readWorkspaceFile(root, chunk.path);
  if (text === null) return [base];
  const inside = outline(chunk.path, text).filter((s) => s.parent === null && s.startLine >= chunk.startLine && s.endLine <= chunk.endLine);
  if (inside.length === 0) return [base];
  return inside.map((s) => ({ path: chunk.path, symbol: s.name, startLine: s.startLine, endLine: s.endLine, reason: "search", score: score + bonus(s.name) }));
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
