// Text kept as a list of ~16 K chunks, each with the offsets of its line starts, so an edit rewrites only the
// chunks it touches (and their neighbours) and a position lookup is two binary searches. A flat string with one
// array of line offsets (vscode-languageserver-textdocument) copies the whole text and shifts every later offset
// per edit: on a 20 MB document that blocked the server's thread for about half a second per keystroke.
// Positions follow the LSP text model of vscode-languageserver-textdocument exactly: UTF-16 code units; "\r\n",
// "\r" and "\n" each end a line; a character past its line's end, or a line past the last, is clamped.

export interface TextPosition {
  line: number;
  character: number;
}

/** The size chunks are cut to; an edit re-cuts at most a few of them. */
const CHUNK = 16 * 1024;

const LF = 10;
const CR = 13;
const isEol = (code: number) => code === LF || code === CR;

/** The offsets just after each line end in `text` ("\r\n" is one end). */
function lineEnds(text: string): number[] {
  const ends: number[] = [];
  if (text.indexOf("\r") < 0) {
    // The common case, and indexOf is far faster than a loop over char codes.
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) ends.push(i + 1);
    return ends;
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === CR && text.charCodeAt(i + 1) === LF) i++;
    if (code === CR || code === LF) ends.push(i + 1);
  }
  return ends;
}

/** Cuts `text` into chunks of about CHUNK, never between "\r" and "\n" (a chunk's line ends stay its own). */
function cut(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > CHUNK * 1.5) {
    const end = start + CHUNK + (text.charCodeAt(start + CHUNK - 1) === CR && text.charCodeAt(start + CHUNK) === LF ? 1 : 0);
    pieces.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

/**
 * Builds a ChunkedText from text that arrives in parts (a 20 MB didOpen decoded as its bytes come in): each part
 * costs what it holds, and the text is never one string.
 */
export class ChunkedTextBuilder {
  private readonly chunks: string[] = [];
  private readonly ends: number[][] = [];
  private pending = "";

  append(text: string): this {
    this.pending += text;
    // Cut only while the unit after a cut is known, so a "\r" at the end can still meet its "\n".
    const pieces = cut(this.pending);
    if (pieces.length > 1) {
      this.pending = pieces.pop()!;
      for (const piece of pieces) this.push(piece);
    }
    return this;
  }

  /** The text so far as one string value without copying it (a V8 rope: only a reader that needs it flat pays). */
  rope(): string {
    let parts = [...this.chunks, this.pending];
    while (parts.length > 1) {
      const next: string[] = [];
      for (let i = 0; i < parts.length; i += 2) next.push(i + 1 < parts.length ? parts[i]! + parts[i + 1]! : parts[i]!);
      parts = next;
    }
    return parts[0]!;
  }

  /** The chunks and their line ends (the builder is spent). */
  finish(): { chunks: string[]; ends: number[][] } {
    for (const piece of cut(this.pending)) this.push(piece);
    this.pending = "";
    return { chunks: this.chunks, ends: this.ends };
  }

  private push(chunk: string): void {
    this.chunks.push(chunk);
    this.ends.push(lineEnds(chunk));
  }
}

/** Largest i with values[i] <= target (values ascending, values[0] <= target). */
function lastAtMost(values: readonly number[], target: number, count = values.length): number {
  let low = 0;
  let high = count - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (values[mid]! <= target) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** A finite integer, else 0: a malformed position never throws or poisons the offsets. */
const whole = (n: number) => (Number.isFinite(n) ? Math.trunc(n) : 0);

export class ChunkedText {
  private chunks: string[] = [];
  /** Per chunk: offsets (within the chunk) just after each line end. */
  private ends: number[][] = [];
  /** Per chunk: its offset in the text, and how many line ends come before it. */
  private starts: number[] = [];
  private endsBefore: number[] = [];
  private totalLength = 0;
  private totalEnds = 0;
  private flat: string | null = null;

  constructor(text: string | ChunkedTextBuilder = "") {
    const built = typeof text === "string" ? new ChunkedTextBuilder().append(text).finish() : text.finish();
    this.splice(0, 0, built.chunks, built.ends);
    this.flat = typeof text === "string" ? text : null;
  }

  get length(): number {
    return this.totalLength;
  }

  get lineCount(): number {
    return this.totalEnds + 1;
  }

  /** The whole text; built once per version (O(length)), so hot paths use `slice` instead. */
  toString(): string {
    this.flat ??= this.chunks.join("");
    return this.flat;
  }

  /** The text between two offsets (clamped), touching only the chunks in between. */
  slice(start: number, end: number): string {
    const from = Math.max(0, Math.min(whole(start), this.totalLength));
    const to = Math.max(from, Math.min(whole(end), this.totalLength));
    if (from === to) return "";
    if (this.flat !== null) return this.flat.slice(from, to);
    const parts: string[] = [];
    for (let i = this.chunkAt(from); i < this.chunks.length && this.starts[i]! < to; i++) {
      parts.push(this.chunks[i]!.slice(Math.max(0, from - this.starts[i]!), to - this.starts[i]!));
    }
    return parts.join("");
  }

  /** The offset of the first character of `line` (0 < line < lineCount). */
  private lineStart(line: number): number {
    if (line <= 0) return 0;
    const k = line - 1; // the k-th line end starts this line
    const i = lastAtMost(this.endsBefore, k);
    return this.starts[i]! + this.ends[i]![k - this.endsBefore[i]!]!;
  }

  private charCodeAt(offset: number): number {
    const i = this.chunkAt(offset);
    return this.chunks[i]?.charCodeAt(offset - this.starts[i]!) ?? NaN;
  }

  /** Steps back over a line end, so an offset never lands inside or after one ("\r|\n" → before "\r"). */
  private beforeEol(offset: number, lineStart: number): number {
    while (offset > lineStart && isEol(this.charCodeAt(offset - 1))) offset--;
    return offset;
  }

  /** Offsets of a line (0 <= line < lineCount): its start, where its content ends, and after its line end. */
  lineBounds(line: number): { start: number; contentEnd: number; end: number } {
    const start = this.lineStart(line);
    const end = line + 1 < this.lineCount ? this.lineStart(line + 1) : this.totalLength;
    return { start, contentEnd: this.beforeEol(end, start), end };
  }

  offsetAt(position: TextPosition): number {
    const line = whole(position.line);
    const character = whole(position.character);
    if (line >= this.lineCount) return this.totalLength;
    if (line < 0) return 0;
    const start = this.lineStart(line);
    if (character <= 0) return start;
    const next = line + 1 < this.lineCount ? this.lineStart(line + 1) : this.totalLength;
    return this.beforeEol(Math.min(start + character, next), start);
  }

  positionAt(offset: number): TextPosition {
    const at = Math.max(0, Math.min(whole(offset), this.totalLength));
    if (this.chunks.length === 0) return { line: 0, character: at };
    const i = this.chunkAt(at);
    const local = this.ends[i]!;
    const within = local.length === 0 || local[0]! > at - this.starts[i]! ? 0 : lastAtMost(local, at - this.starts[i]!) + 1;
    const line = this.endsBefore[i]! + within;
    const start = this.lineStart(line);
    return { line, character: this.beforeEol(at, start) - start };
  }

  /** Replaces the range (start and end in either order, clamped) with `text`, like a didChange content change. */
  edit(start: TextPosition, end: TextPosition, text: string): void {
    const reversed = start.line > end.line || (start.line === end.line && start.character > end.character);
    const [from, to] = reversed ? [end, start] : [start, end];
    this.replace(this.offsetAt(from), this.offsetAt(to), text);
  }

  /** Replaces [from, to) with `text`: re-cuts the touched chunks and one neighbour on each side. */
  replace(from: number, to: number, text: string): void {
    [from, to] = [from, to].map((n) => Math.max(0, Math.min(whole(n), this.totalLength))).sort((a, b) => a - b) as [number, number];
    if (from === to && text === "") return;
    this.flat = null;
    if (this.chunks.length === 0) {
      this.splice(0, 0, cut(text));
      return;
    }
    const first = this.chunkAt(from);
    const last = this.chunkAt(to);
    // The neighbours keep their outer ends, so no "\r" | "\n" pair can form across the re-cut run's borders.
    const low = Math.max(0, first - 1);
    const high = Math.min(this.chunks.length - 1, last + 1);
    const before = this.chunks.slice(low, first).join("") + this.chunks[first]!.slice(0, from - this.starts[first]!);
    const after = this.chunks[last]!.slice(to - this.starts[last]!) + this.chunks.slice(last + 1, high + 1).join("");
    // Slicing the concatenation flattens it once; the new chunks share that copy of a few chunks' length.
    this.splice(low, high - low + 1, cut(before + text + after));
  }

  /** The chunk holding `offset` (the last one for the text's end). */
  private chunkAt(offset: number): number {
    return lastAtMost(this.starts, offset, this.chunks.length);
  }

  private splice(at: number, remove: number, pieces: string[], pieceEnds = pieces.map(lineEnds)): void {
    // Not splice(...pieces): a pasted 100 MB is 6,400 pieces, and spread arguments have a low limit.
    this.chunks = [...this.chunks.slice(0, at), ...pieces, ...this.chunks.slice(at + remove)];
    this.ends = [...this.ends.slice(0, at), ...pieceEnds, ...this.ends.slice(at + remove)];
    this.starts.length = this.chunks.length;
    this.endsBefore.length = this.chunks.length;
    let offset = at > 0 ? this.starts[at - 1]! + this.chunks[at - 1]!.length : 0;
    let ends = at > 0 ? this.endsBefore[at - 1]! + this.ends[at - 1]!.length : 0;
    for (let i = at; i < this.chunks.length; i++) {
      this.starts[i] = offset;
      this.endsBefore[i] = ends;
      offset += this.chunks[i]!.length;
      ends += this.ends[i]!.length;
    }
    this.totalLength = offset;
    this.totalEnds = ends;
  }
}
