import { createHash } from "node:crypto";
import type { LanguageName } from "../syntax/index.js";
import { extractFile } from "./extractFile.js";
import type { FileExtraction } from "./extractTypes.js";
import { identifierParts, splitIdentifier } from "./identifiers.js";

/** What storage needs per chunk, computed off the database thread. */
export interface PreparedChunk {
  /** Content hash: a chunk with the same hash keeps its id, FTS row and vector across edits. */
  hash: string;
  /** FTS `symbols` column: names defined in the chunk, with their parts. */
  ftsSymbols: string;
  /** The parts of the chunk's compound identifiers; the FTS `body` column is the text plus these. */
  ftsParts: string;
}

/** All uses of one name in a file, as stored in `refs.uses`: "line,enclosing,def" triples joined by ";". */
export interface RefGroup {
  name: string;
  uses: string;
}

export interface PreparedFile {
  /** The extraction, with `refs` moved into `refGroups` (so they cross the process boundary once, packed). */
  extraction: FileExtraction;
  refGroups: RefGroup[];
  refCount: number;
  chunks: PreparedChunk[];
  /** For each symbol, the index of the chunk holding it, or -1. */
  symbolChunks: number[];
}

/** Extraction plus everything derived from it that is pure CPU work; runs in the extraction workers. */
export function prepareFile(text: string, language: LanguageName | null): PreparedFile {
  let extraction: FileExtraction;
  try {
    extraction = extractFile(text, language);
  } catch {
    // A grammar failure (native error) must not lose the file: index it as plain text.
    extraction = extractFile(text, null);
  }
  const namesIn = symbolNamesByChunk(extraction);
  // A file's chunks repeat most words: each is split once per file.
  const parts = new Map<string, string>();
  const pieces = new Map<string, string[]>();
  const chunks = extraction.chunks.map((chunk, i): PreparedChunk => {
    const names = namesIn[i];
    if (chunk.symbol && !names.includes(chunk.symbol)) names.unshift(chunk.symbol);
    return {
      hash: chunkHash(chunk.symbol, chunk.kind, chunk.parent, chunk.text),
      ftsSymbols: symbolTerms(names, pieces),
      ftsParts: identifierParts(chunk.text, parts),
    };
  });
  const refCount = extraction.refs.length;
  const refGroups = groupRefs(extraction);
  return { extraction: { ...extraction, refs: [] }, chunks, symbolChunks: chunkIndexBySymbol(extraction), refGroups, refCount };
}

/**
 * Packs references per name. `enclosing` and `def` are ordinals of symbols within the file (symbols.ordinal),
 * so the packed text needs no database ids and can be built here, off the database thread.
 */
function groupRefs(extraction: FileExtraction): RefGroup[] {
  const byName = new Map<string, string[]>();
  for (const ref of extraction.refs) {
    const triple = `${ref.line},${ref.enclosing ?? ""},${ref.target ?? ""}`;
    const list = byName.get(ref.name);
    if (list) list.push(triple);
    else byName.set(ref.name, [triple]);
  }
  return [...byName].map(([name, uses]) => ({ name, uses: uses.join(";") }));
}

function chunkHash(symbol: string | null, kind: string, parent: string | null, text: string): string {
  return createHash("sha1").update(`${symbol ?? ""}\0${kind}\0${parent ?? ""}\0${text}`).digest("base64url").slice(0, 22);
}

/** The FTS `symbols` column: qualified names plus their camelCase/snake_case parts. */
export function symbolTerms(names: string[], memo: Map<string, string[]> = new Map()): string {
  const words = new Set<string>();
  for (const name of names) {
    for (const piece of name.split(/[.:]+/)) {
      if (!piece) continue;
      words.add(piece);
      let parts = memo.get(piece);
      if (!parts) memo.set(piece, (parts = splitIdentifier(piece)));
      for (const part of parts) words.add(part);
    }
  }
  return [...words].join(" ");
}

/** For each chunk, the qualified names of the symbols starting inside it (one sweep; both lists are in line order). */
function symbolNamesByChunk(extraction: FileExtraction): string[][] {
  const out: string[][] = extraction.chunks.map(() => []);
  const symbols = [...extraction.symbols].sort((a, b) => a.startLine - b.startLine);
  let first = 0;
  for (const sym of symbols) {
    while (first < extraction.chunks.length && extraction.chunks[first].endLine < sym.startLine) first++;
    for (let i = first; i < extraction.chunks.length && extraction.chunks[i].startLine <= sym.startLine; i++) {
      if (sym.startLine <= extraction.chunks[i].endLine) out[i].push(sym.qualified);
    }
  }
  return out;
}

/**
 * For each symbol, the index of the chunk holding it: the chunk named after it, else the first chunk containing
 * its first line, else -1. Chunks are in line order, so a binary search finds the first candidate.
 */
function chunkIndexBySymbol(extraction: FileExtraction): number[] {
  const chunks = extraction.chunks;
  const named = new Map<string, number>();
  chunks.forEach((c, i) => {
    if (c.symbol !== null && !named.has(c.symbol)) named.set(c.symbol, i);
  });
  return extraction.symbols.map((sym) => {
    const byName = named.get(sym.qualified);
    if (byName !== undefined && chunks[byName].startLine <= sym.startLine && sym.startLine <= chunks[byName].endLine) return byName;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (chunks[mid].endLine < sym.startLine) lo = mid + 1;
      else hi = mid;
    }
    return lo < chunks.length && chunks[lo].startLine <= sym.startLine ? lo : -1;
  });
}

