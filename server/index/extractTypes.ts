// What one file contributes to the index, before storage. Lines here are 1-based inclusive, as in types.ts.

export interface ChunkDraft {
  startLine: number;
  endLine: number;
  symbol: string | null;
  kind: string;
  parent: string | null;
  text: string;
}

export interface SymbolDraft {
  name: string;
  /** `Parent.name`, or `name` at top level. */
  qualified: string;
  kind: string;
  startLine: number;
  endLine: number;
  parent: string | null;
}

export interface RefDraft {
  name: string;
  line: number;
  /** Index into `symbols` of the innermost definition containing the use. */
  enclosing: number | null;
  /** Index into `symbols` of a same-file definition of `name` (scope link), when there is one. */
  target: number | null;
}

export interface FileExtraction {
  language: string | null;
  chunks: ChunkDraft[];
  symbols: SymbolDraft[];
  refs: RefDraft[];
  /** Import specifiers as written (`./util.js`, `os.path`, `fmt`). */
  imports: string[];
}
