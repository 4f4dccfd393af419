// llama.vim's ring buffer of "extra context": chunks of recently opened or edited files, oldest first,
// with near-duplicates evicted. Chunks are cut lazily: noteDocument() only stores the text (it runs on
// every edit), and admit() takes the chunk around the last edit into the ring. Like llama.vim's ring_update,
// that happens while the editor is idle (ContextPrefill), not on a request: a request sees the ring the KV
// cache already holds, so switching files never makes the first completion evaluate the chunk just left.
// The order is stable (a new chunk goes to the end, the oldest leaves from the front) because the prompt
// starts with these chunks: a stable start keeps the model's KV cache (see inference/kvReuse.ts for the
// shifted reuse when the ring moves).

/**
 * Longest chunk the ring takes: 64 lines of code are a few KB, so past this the lines are machine-written (one line of
 * a minified bundle is the whole file), which no prompt has room for and which cost a tokenization per ring change.
 */
const MAX_CHUNK_CHARS = 32 * 1024;

export interface RecentChunk {
  uri: string;
  path: string;
  /** 0-based first line of the chunk. */
  startLine: number;
  text: string;
}

export interface RecentFilesOptions {
  /** Ring size. Defaults to 16 (llama.vim). */
  maxChunks?: number;
  /** Lines per chunk. Defaults to 64 (llama.vim). */
  chunkLines?: number;
  /** Line-set similarity above which an older chunk is evicted. Defaults to 0.9 (llama.vim). */
  similarity?: number;
}

interface Pending {
  path: string;
  text: string;
  previous: string | null;
}

/** Jaccard similarity of the two chunks' line sets. */
export function chunkSimilarity(a: string, b: string): number {
  const la = new Set(a.split("\n").map((l) => l.trim()).filter(Boolean));
  const lb = new Set(b.split("\n").map((l) => l.trim()).filter(Boolean));
  if (la.size === 0 && lb.size === 0) return 1;
  let common = 0;
  for (const line of la) if (lb.has(line)) common++;
  return common / (la.size + lb.size - common);
}

/** 0-based line of the first difference between two texts (0 when there is no previous text). */
function firstChangedLine(previous: string | null, text: string): number {
  if (previous === null) return 0;
  const n = Math.min(previous.length, text.length);
  let i = 0;
  while (i < n && previous.charCodeAt(i) === text.charCodeAt(i)) i++;
  let line = 0;
  for (let k = text.indexOf("\n"); k >= 0 && k < i; k = text.indexOf("\n", k + 1)) line++;
  return line;
}

export class RecentFiles {
  private readonly chunks: RecentChunk[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly lastSeen = new Map<string, string>();
  private readonly maxChunks: number;
  private readonly chunkLines: number;
  private readonly similarity: number;

  constructor(options: RecentFilesOptions = {}) {
    this.maxChunks = options.maxChunks ?? 16;
    this.chunkLines = options.chunkLines ?? 64;
    this.similarity = options.similarity ?? 0.9;
  }

  /** Records that a document was opened or edited. Cheap: the chunk is cut later. */
  noteDocument(uri: string, path: string, text: string): void {
    const existing = this.pending.get(uri);
    this.pending.set(uri, { path, text, previous: existing ? existing.previous : this.lastSeen.get(uri) ?? null });
  }

  forget(uri: string): void {
    this.pending.delete(uri);
    this.lastSeen.delete(uri);
    for (let i = this.chunks.length - 1; i >= 0; i--) if (this.chunks[i].uri === uri) this.chunks.splice(i, 1);
  }

  /** Chunks from files other than `uri`, oldest first: the ring as admit() last left it. */
  chunksFor(uri: string): RecentChunk[] {
    return this.chunks.filter((chunk) => chunk.uri !== uri);
  }

  /** Cuts the chunks of files other than `uri` noted since, into the ring; true when the ring changed. */
  admit(uri: string | null): boolean {
    let changed = false;
    for (const [pendingUri, note] of this.pending) {
      if (pendingUri === uri) continue;
      this.pending.delete(pendingUri);
      changed = this.add(pendingUri, note) || changed;
    }
    return changed;
  }

  private add(uri: string, note: Pending): boolean {
    const changed = firstChangedLine(note.previous, note.text);
    this.lastSeen.set(uri, note.text);
    if (this.lastSeen.size > 64) this.lastSeen.delete(this.lastSeen.keys().next().value as string);
    const lines = note.text.split("\n");
    const startLine = Math.max(0, Math.min(changed - Math.floor(this.chunkLines / 2), lines.length - this.chunkLines));
    const text = lines.slice(startLine, startLine + this.chunkLines).join("\n");
    if (text.trim().length === 0 || text.length > MAX_CHUNK_CHARS || text.includes("\u0000")) return false;
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      if (chunkSimilarity(this.chunks[i].text, text) > this.similarity) this.chunks.splice(i, 1);
    }
    this.chunks.push({ uri, path: note.path, startLine, text });
    if (this.chunks.length > this.maxChunks) this.chunks.splice(0, this.chunks.length - this.maxChunks);
    return true;
  }
}
