// The repo index: tree-sitter chunks, a SQLite symbol graph, FTS5, and embeddings in HNSW.
// Architecture invariant: index/ knows nothing about LSP. Paths are workspace-relative with "/" separators;
// lines are 1-based and inclusive.

export interface IndexStats {
  files: number;
  chunks: number;
  symbols: number;
  references: number;
  embeddings: number;
  seconds: number;
}

export interface Chunk {
  id: number;
  path: string;
  startLine: number;
  endLine: number;
  /** The symbol the chunk defines, e.g. `Parser.parse`; null for top-level blocks and line windows. */
  symbol: string | null;
  /** function | method | class | interface | type | block | window … */
  kind: string;
  parent: string | null;
  language: string | null;
  text: string;
}

export interface SearchHit {
  chunk: Chunk;
  /** Fused score; higher is better. */
  score: number;
}

export interface SymbolLocation {
  name: string;
  kind: string;
  path: string;
  startLine: number;
  endLine: number;
  parent: string | null;
}

export interface ReferenceLocation {
  name: string;
  path: string;
  line: number;
  /** The innermost symbol that contains the use (the caller), when there is one. */
  enclosingSymbol: string | null;
  /**
   * The definition the use is linked to: a same-file definition in scope, else one in a file the user imports,
   * else the only definition of that name; null when none or ambiguous.
   */
  definition?: { path: string; line: number; qualified: string } | null;
}

export interface UpdateOptions {
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  /** Start from an empty index. */
  rebuild?: boolean;
  /** Files changed since a running update began: scan again after it instead of joining it. */
  rescan?: boolean;
}

export interface IndexProgress {
  done: number;
  total: number;
  message: string;
}

export interface RetrievalRequest {
  /** Workspace-relative path of the file being edited. */
  path: string;
  /** The buffer's current text (may differ from disk). */
  text: string;
  /** Cursor offset in `text` (UTF-16 code units). */
  offset: number;
  /** Stop adding chunks when their summed length would exceed this many characters. */
  maxChars: number;
  signal?: AbortSignal;
}

export interface RetrievedChunk {
  chunk: Chunk;
  /** Why it was picked: `definition` of an identifier near the cursor, or `similar` code. */
  reason: "definition" | "similar";
}

export interface CodeIndex {
  /** Absolute workspace root. */
  readonly root: string;
  /** Brings the index up to date with the disk: only changed files are re-chunked and re-embedded. */
  update(options?: UpdateOptions): Promise<IndexStats>;
  /** Re-indexes one file from in-memory text (open documents); null removes it. */
  updateFile(path: string, text: string | null): Promise<void>;
  /** Forgets the in-memory text of a closed document and re-indexes it from disk. */
  closeFile(path: string): Promise<void>;
  /** Re-reads files changed on disk (watched-file events); open documents keep their in-memory text. */
  refreshFromDisk(paths: string[]): Promise<void>;
  search(query: string, options?: { k?: number; signal?: AbortSignal }): Promise<SearchHit[]>;
  definitions(name: string): SymbolLocation[];
  references(name: string): ReferenceLocation[];
  callers(name: string): SymbolLocation[];
  /** Workspace-relative paths that `path` imports (resolved when possible). */
  importsOf(path: string): string[];
  chunksOf(path: string): Chunk[];
  /** Context chunks for a completion at the cursor, within `maxChars`. */
  retrieve(request: RetrievalRequest): Promise<RetrievedChunk[]>;
  stats(): IndexStats;
  /** Whether vectors are available (an embedding model loaded). */
  readonly hasEmbeddings: boolean;
  dispose(): Promise<void>;
}
