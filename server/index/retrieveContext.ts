import { throwIfAborted } from "../util/abort.js";
import { IDENTIFIER, KEYWORDS } from "./identifiers.js";
import { fuseRankings } from "./rrf.js";
import type { Chunk, RetrievalRequest, RetrievedChunk } from "./types.js";

/** What retrieval needs from the index. */
export interface RetrievalSource {
  /** For code in `path`: chunk ids of definitions of a name, nearest first. */
  definitionsNear(path: string): (name: string, limit: number) => number[];
  chunk(id: number): Chunk | null;
  lexicalRanking(query: string, depth?: number): number[];
  vectorRanking(query: string, depth?: number): Promise<number[]>;
}

/** How much text before the cursor is searched for identifiers and used as the similarity query. */
const WINDOW_BEFORE = 1200;
const WINDOW_AFTER = 200;
const MAX_IDENTIFIERS = 16;

/** Identifiers around the cursor, nearest first. */
function identifiersNear(text: string, offset: number): string[] {
  const start = Math.max(0, offset - WINDOW_BEFORE);
  const window = text.slice(start, Math.min(text.length, offset + WINDOW_AFTER));
  const found: Array<{ name: string; distance: number }> = [];
  for (const m of window.matchAll(IDENTIFIER)) {
    const name = m[0];
    if (name.length < 3 || KEYWORDS.has(name)) continue;
    const at = start + m.index;
    // Text after the cursor counts as farther away than the same distance before it.
    const distance = at <= offset ? offset - at : 2 * (at - offset);
    found.push({ name, distance });
  }
  found.sort((a, b) => a.distance - b.distance);
  const names: string[] = [];
  for (const { name } of found) {
    if (!names.includes(name)) names.push(name);
    if (names.length >= MAX_IDENTIFIERS) break;
  }
  return names;
}

/**
 * Context for a completion: definitions of the identifiers nearest the cursor (from the files it imports first),
 * then chunks similar to the code before the cursor (lexical + vector, fused), skipping the file being edited,
 * until `maxChars` is used up.
 */
export async function retrieveContext(source: RetrievalSource, request: RetrievalRequest): Promise<RetrievedChunk[]> {
  const { path, text, offset, maxChars, signal } = request;
  const picked: RetrievedChunk[] = [];
  const seen = new Set<number>();
  let used = 0;
  const take = (id: number, reason: RetrievedChunk["reason"]): boolean => {
    if (seen.has(id)) return true;
    seen.add(id);
    const chunk = source.chunk(id);
    if (!chunk || chunk.path === path) return true;
    if (used + chunk.text.length > maxChars) return false;
    used += chunk.text.length;
    picked.push({ chunk, reason });
    return true;
  };
  const definitionsOf = source.definitionsNear(path);
  for (const name of identifiersNear(text, offset)) {
    throwIfAborted(signal);
    for (const id of definitionsOf(name, 2)) take(id, "definition");
  }
  const before = text.slice(Math.max(0, offset - WINDOW_BEFORE), offset);
  const query = before.split("\n").slice(-12).join("\n");
  if (query.trim() !== "" && used < maxChars) {
    throwIfAborted(signal);
    const lexical = source.lexicalRanking(query, 20);
    const semantic = await source.vectorRanking(query, 20);
    throwIfAborted(signal);
    for (const { id } of fuseRankings([lexical, semantic])) {
      take(id, "similar");
      if (maxChars - used < 80) break;
    }
  }
  return picked;
}
