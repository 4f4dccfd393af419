// Tree-sitter parsing shared by the index (chunking), completion (verification), actions and agent.
// Architecture invariant: syntax/ knows nothing about LSP, models or storage.

export interface SyntaxError {
  /** 0-based line and column (UTF-16 code units) of the first error/missing node. */
  line: number;
  column: number;
  /** e.g. `missing ")"` or `unexpected "}"`. */
  message: string;
}

export interface ParseCheck {
  /** Number of ERROR and MISSING nodes. */
  errorCount: number;
  errors: SyntaxError[];
}
