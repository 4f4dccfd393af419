import type Parser from "tree-sitter";
import { findDeclarations, TYPE_KINDS, VALUE_KINDS, type Declaration } from "../syntax/declarations/index.js";
import { nodeStart, nodeStartRow, parse, type LanguageName } from "../syntax/index.js";
import type { ChunkDraft, FileExtraction, RefDraft, SymbolDraft } from "./extractTypes.js";
import { isIdentifierPart, isIdentifierStart, KEYWORDS } from "./identifiers.js";
import { lineWindows } from "./lineWindows.js";

/** Chunks above this many characters are split at child boundaries (the tiny embedder reads ~256 tokens). */
export const MAX_CHUNK_CHARS = 1500;
/** Definitions below this size are merged with small neighbours instead of standing alone. */
export const MIN_CHUNK_CHARS = 200;
/** Stored chunk text is capped: one minified line must not bloat the database. */
const MAX_STORED_CHARS = 8000;
const MAX_DEPTH = 16;

/**
 * A definition, from the language's declaration table. Values (VALUE_KINDS: constants, fields, …) are symbols
 * like any other, but for chunking a small one is just a line among its neighbours: only one of MIN_CHUNK_CHARS
 * or more (a config object, a table) stands as a chunk named after it.
 */
type Def = Declaration;

interface Item {
  start: number;
  end: number;
  startRow: number;
  endRow: number;
  node: Parser.SyntaxNode | null;
  def: Def | null;
  /** A small value definition (see VALUE_KINDS): it names a chunk only when nothing else in it does. */
  valueDef: Def | null;
  leading: boolean;
}

interface RowChunk {
  startRow: number;
  endRow: number;
  symbol: string | null;
  kind: string;
  parent: string | null;
}

/** Splits a file into chunks, definitions, references and imports. Never throws on broken code. */
export function extractFile(text: string, language: LanguageName | null): FileExtraction {
  const lines = text.split("\n");
  if (!language) {
    return { language: null, chunks: lineWindows(lines, 0, lines.length - 1, MAX_CHUNK_CHARS), symbols: [], refs: [], imports: [] };
  }
  const tree = parse(text, language);
  const { defs, imports, ignores } = runQuery(text, language, tree);
  const rows = chunkTree(tree.rootNode, defs);
  const chunks = rows.map((c) => toDraft(c, lines));
  const symbols: SymbolDraft[] = defs.map((d) => ({
    name: d.name, qualified: d.qualified, kind: d.kind, startLine: d.startRow + 1, endLine: d.endRow + 1,
    parent: parentName(d),
  }));
  return { language, chunks, symbols, refs: scanRefs(text, defs, ignores), imports };
}

function parentName(def: Def): string | null {
  return def.explicitParent ?? def.parent?.qualified ?? null;
}

function toDraft(c: RowChunk, lines: string[]): ChunkDraft {
  let text = lines.slice(c.startRow, c.endRow + 1).join("\n");
  if (text.length > MAX_STORED_CHARS) text = text.slice(0, MAX_STORED_CHARS);
  return { startLine: c.startRow + 1, endLine: c.endRow + 1, symbol: c.symbol, kind: c.kind, parent: c.parent, text };
}

function runQuery(text: string, language: LanguageName, tree: Parser.Tree) {
  const imports: string[] = [];
  const ignores: Array<[number, number]> = [];
  const defs = findDeclarations(text, tree, language, (name, node) => {
    if (name === "ignore") ignores.push([nodeStart(node), node.endIndex]);
    else if (name === "import") imports.push(text.slice(node.startIndex, node.endIndex).replace(/^["'<`]|["'>`]$/g, ""));
  });
  ignores.sort((a, b) => a[0] - b[0]);
  return { defs, imports, ignores };
}

// ---- chunking ----

function chunkTree(root: Parser.SyntaxNode, defs: Def[]): RowChunk[] {
  const out: RowChunk[] = [];
  const defAt: DefAt = (start, end, endRow) => findDef(defs, start, end, endRow);
  const items = toItems(root.namedChildren, defAt);
  chunkItems(items, null, out, defAt, 0);
  return out;
}

/** The definition a node spanning start..end stands for, if any. */
type DefAt = (start: number, end: number, endRow: number) => Def | null;

/** The definition a node stands for: itself, or a wrapper (export, decorators, template) around one. */
function findDef(defs: Def[], start: number, end: number, endRow: number): Def | null {
  let lo = 0;
  let hi = defs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (defs[mid].start < start) lo = mid + 1;
    else hi = mid;
  }
  const def = defs[lo];
  if (!def || def.start >= end || def.end > end) return null;
  return def.endRow === endRow ? def : null;
}

function isLeading(node: Parser.SyntaxNode): boolean {
  return node.type.includes("comment") || node.type === "attribute_item" || node.type === "decorator";
}

function toItems(nodes: Parser.SyntaxNode[], defAt: DefAt): Item[] {
  const items: Item[] = nodes.map((node) => {
    const leading = isLeading(node);
    const start = nodeStart(node);
    const end = node.endIndex;
    const endRow = node.endPosition.row;
    const found = leading ? null : defAt(start, end, endRow);
    const small = found !== null && VALUE_KINDS.has(found.kind) && end - start < MIN_CHUNK_CHARS;
    return { start, end, startRow: nodeStartRow(node), endRow, node, def: small ? null : found, valueDef: small ? found : null, leading };
  });
  // Doc comments and attributes directly above a definition belong to its chunk.
  for (let i = items.length - 2; i >= 0; i--) {
    const cur = items[i];
    const next = items[i + 1];
    if (cur.leading && next.def && next.startRow <= cur.endRow + 1) {
      next.start = cur.start;
      next.startRow = cur.startRow;
      items.splice(i, 1);
    }
  }
  return items;
}

function chunkItems(
  items: Item[], owner: Def | null, out: RowChunk[], defAt: DefAt, depth: number,
): void {
  const levelStart = out.length;
  let group: Item[] = [];
  let groupChars = 0;
  const flush = (): void => {
    if (group.length === 0) return;
    // A group is named after its one definition only when that definition is most of its text; small values
    // count only in a group without other definitions.
    const defsIn = group.filter((i) => i.def !== null);
    const named = defsIn.length > 0 ? defsIn : group.filter((i) => i.valueDef !== null);
    const def = named.length === 1 && 2 * (named[0].end - named[0].start) >= groupChars ? named[0].def ?? named[0].valueDef : null;
    out.push(describe(group[0].startRow, group[group.length - 1].endRow, def, owner));
    group = [];
    groupChars = 0;
  };
  for (const item of items) {
    const size = item.end - item.start;
    if (size > MAX_CHUNK_CHARS) {
      const tiny = group.length > 0 && groupChars < MIN_CHUNK_CHARS && !group.some((i) => i.def) ? group[0].startRow : null;
      if (tiny !== null) group = [];
      flush();
      const first = out.length;
      splitItem(item, owner, out, defAt, depth + 1);
      if (tiny !== null && out.length > first) out[first].startRow = Math.min(out[first].startRow, tiny);
    } else if (item.def && size >= MIN_CHUNK_CHARS) {
      // A tiny block just before a definition (a stray comment, one import) joins it rather than standing alone.
      const startRow = group.length > 0 && groupChars < MIN_CHUNK_CHARS && !group.some((i) => i.def) ? group[0].startRow : item.startRow;
      if (startRow !== item.startRow) group = [];
      flush();
      out.push(describe(startRow, item.endRow, item.def, owner));
      groupChars = 0;
    } else {
      if (groupChars + size > MAX_CHUNK_CHARS) flush();
      group.push(item);
      groupChars += size;
    }
  }
  // A tiny tail joins the chunk before it.
  if (group.length > 0 && groupChars < MIN_CHUNK_CHARS && out.length > levelStart && !group.some((i) => i.def)) {
    out[out.length - 1].endRow = Math.max(out[out.length - 1].endRow, group[group.length - 1].endRow);
    group = [];
  }
  flush();
}

function describe(startRow: number, endRow: number, def: Def | null, owner: Def | null): RowChunk {
  const d = def ?? owner;
  if (!d) return { startRow, endRow, symbol: null, kind: "block", parent: null };
  return { startRow, endRow, symbol: d.qualified, kind: d.kind, parent: parentName(d) };
}

/** Splits an oversized node at its children's boundaries; its header and footer join the first and last chunk. */
function splitItem(item: Item, owner: Def | null, out: RowChunk[], defAt: DefAt, depth: number): void {
  let newOwner = item.def ?? owner;
  const node = item.node;
  let children = node && depth < MAX_DEPTH ? node.namedChildren : [];
  let containerSize = node ? node.endIndex - nodeStart(node) : 0;
  // Descend through wrappers (export → class → class body) while one child holds most of the text.
  while (children.length > 0) {
    let largest = children[0];
    let largestStart = nodeStart(largest);
    let largestEnd = largest.endIndex;
    for (let i = 1; i < children.length; i++) {
      const start = nodeStart(children[i]);
      const end = children[i].endIndex;
      if (end - start > largestEnd - largestStart) {
        largest = children[i];
        largestStart = start;
        largestEnd = end;
      }
    }
    const largestSize = largestEnd - largestStart;
    // Only a thin header/footer may be left behind, or the siblings' code would vanish from every chunk.
    if (containerSize - largestSize > Math.max(MIN_CHUNK_CHARS, 0.15 * containerSize) || largest.namedChildCount === 0) break;
    const def = defAt(largestStart, largestEnd, largest.endPosition.row);
    if (def && def !== newOwner && largestStart === def.start) newOwner = def;
    containerSize = largestSize;
    children = largest.namedChildren;
  }
  const first = out.length;
  if (children.length < 2) {
    for (const w of lineWindowsRows(item.startRow, item.endRow, item, newOwner)) out.push(w);
    return;
  }
  chunkItems(toItems(children, defAt), newOwner, out, defAt, depth);
  if (out.length > first) {
    out[first].startRow = Math.min(out[first].startRow, item.startRow);
    out[out.length - 1].endRow = Math.max(out[out.length - 1].endRow, item.endRow);
  }
}

/** Fixed windows for an oversized node without children (a huge literal); sized by lines. */
function lineWindowsRows(startRow: number, endRow: number, item: Item, owner: Def | null): RowChunk[] {
  const perLine = Math.max(1, (item.end - item.start) / Math.max(1, endRow - startRow + 1));
  const step = Math.max(1, Math.floor(MAX_CHUNK_CHARS / perLine));
  const out: RowChunk[] = [];
  for (let row = startRow; row <= endRow; row += step) {
    out.push(describe(row, Math.min(endRow, row + step - 1), null, owner));
  }
  return out;
}

// ---- references ----

/** Identifier uses outside comments and strings, one per name and line, with their enclosing definition. */
function scanRefs(text: string, defs: Def[], ignores: Array<[number, number]>): RefDraft[] {
  const refs: RefDraft[] = [];
  const nameSites = new Set(defs.map((d) => d.nameStart));
  const defsByName = new Map<string, Def[]>();
  for (const d of defs) {
    const list = defsByName.get(d.name);
    if (list) list.push(d);
    else defsByName.set(d.name, [d]);
  }
  // Names already recorded on the current row (rows only grow during the scan).
  const seen = new Set<string>();
  const stack: Def[] = [];
  let nextDef = 0;
  let ignore = 0;
  let row = 0;
  let rowStart = 0;
  const n = text.length;
  let end = 0;
  // A hand-rolled scan for IDENTIFIER matches: words inside comments and strings are skipped before any
  // string is allocated for them.
  while (end < n) {
    const pos = end;
    if (!isIdentifierStart(text.charCodeAt(pos))) {
      end++;
      continue;
    }
    end++;
    while (end < n && isIdentifierPart(text.charCodeAt(end))) end++;
    while (ignore < ignores.length && ignores[ignore][1] <= pos) ignore++;
    if (ignore < ignores.length && ignores[ignore][0] <= pos) continue;
    if (end - pos < 2 || nameSites.has(pos)) continue;
    const prev = text.charCodeAt(pos - 1);
    if (prev >= 48 && prev <= 57) continue; // the tail of a number literal such as 1e10 or 0xff
    const name = text.slice(pos, end);
    if (KEYWORDS.has(name)) continue;
    while (rowStart <= pos) {
      const nl = text.indexOf("\n", rowStart);
      if (nl === -1 || nl >= pos) break;
      seen.clear();
      row++;
      rowStart = nl + 1;
    }
    while (nextDef < defs.length && defs[nextDef].start <= pos) stack.push(defs[nextDef++]);
    while (stack.length > 0 && stack[stack.length - 1].end <= pos) stack.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    const enclosing = innermost(stack, pos);
    const member = isMemberAccess(text, pos);
    refs.push({ name, line: row + 1, enclosing: enclosing?.index ?? null, target: scopeTarget(defsByName.get(name), enclosing, member) });
  }
  return refs;
}

/** `x.name`, `x->name`, `X::name`: a member, which only a definition inside a type can be. */
function isMemberAccess(text: string, pos: number): boolean {
  let i = pos - 1;
  while (i >= 0 && (text[i] === " " || text[i] === "\t")) i--;
  return text[i] === "." || (text[i] === ">" && text[i - 1] === "-") || (text[i] === ":" && text[i - 1] === ":");
}

function innermost(stack: Def[], pos: number): Def | null {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i].start <= pos && pos < stack[i].end) return stack[i];
  return null;
}

/**
 * The same-file definition a use refers to: the one declared in the nearest scope enclosing the use. A member
 * access links only to a definition owned by a type, and only when that is unambiguous.
 */
function scopeTarget(candidates: Def[] | undefined, enclosing: Def | null, member: boolean): number | null {
  if (!candidates) return null;
  if (member) {
    const owned = candidates.filter((c) => c.explicitParent !== null || (c.parent !== null && TYPE_KINDS.has(c.parent.kind)));
    return owned.length === 1 ? owned[0].index : null;
  }
  let best: Def | null = null;
  let bestDepth = -1;
  for (const c of candidates) {
    let depth = 0;
    let visible = c.parent === null;
    for (let s = enclosing; s; s = s.parent, depth++) {
      if (s === c.parent || s === c) { visible = true; break; }
    }
    const score = c.parent === null ? 0 : visible ? 1000 - depth : -1;
    if (visible && score > bestDepth) {
      best = c;
      bestDepth = score;
    }
  }
  return best?.index ?? null;
}
