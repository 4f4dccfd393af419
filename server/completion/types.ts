// The completion feature's surface, called by lsp/ and by `dhi complete`.
// Architecture invariant: completion/ takes plain text, offsets and an AbortSignal; it knows nothing about LSP.

export interface CompletionRequest {
  /** Document identity (an LSP URI or a file path); cache and cancel-previous are keyed by it. */
  uri: string;
  /** Workspace-relative path when known, else the file path; used for language detection and context. */
  path: string;
  languageId?: string;
  /** The whole buffer, or a span of it around the cursor when `documentLength` is set. */
  text: string;
  /** Set when `text` is only a span of a longer document (lsp/ never builds a huge document's text): its length. */
  documentLength?: number;
  /** Cursor offset in `text`, in UTF-16 code units (JS string indices, which is what LSP positions map to). */
  offset: number;
  signal?: AbortSignal;
  /** Overrides completion.maxTokens. */
  maxTokens?: number;
  /** Time the caller already spent waiting on this request, by cause (e.g. `settings`, `load`), for its latency record. */
  waited?: Record<string, number>;
}

/** One more suggestion beside a completion's own text; the same offsets as CompletionResult. */
export interface Suggestion {
  id: string;
  text: string;
  replaceStart: number;
  replaceEnd: number;
}

/** One piece of context that went into the prompt, recorded for `dhi complete --json` debugging. */
export interface ContextPiece {
  kind: "prefix" | "suffix" | "retrieved" | "recent";
  path?: string;
  tokens: number;
  reason?: string;
}

export interface CompletionResult {
  /** Unique id, echoed by `dhi.completion.accepted`. */
  id: string;
  /** Text to insert (may span lines). Never empty. */
  text: string;
  /** The range of `text` (the request's buffer) that the insertion replaces: usually [offset, offset]. */
  replaceStart: number;
  replaceEnd: number;
  /** True when the response budget cut generation short; the client should ask again. */
  isIncomplete: boolean;
  /** True when served from the type-through cache or LRU without a model call. */
  cached: boolean;
  /** Further distinct suggestions for the same position, best first (`completion.suggestions` > 1). */
  alternatives?: Suggestion[];
  debug: {
    context: ContextPiece[];
    multiline: boolean;
    filtersApplied: string[];
    timings: Record<string, number>;
    tokens: Record<string, number>;
    /** Why the single/multi-line decision went the way it did ("middle of line", "empty statement_block", …). */
    multilineReason?: string;
    /** The model's text before post-processing (absent for cache hits). */
    rawText?: string;
    /** Speculative decoding in this request's generation (absent for cache hits). */
    speculation?: RequestSpeculation;
  };
}

/** What speculative decoding did for one request: does `--draft-model` (or prompt lookup) pay? */
export interface RequestSpeculation {
  /** "draft" (a draft model), "promptLookup", or "none" (plain decoding). */
  kind: "draft" | "promptLookup" | "none";
  /** Tokens the drafter proposed. */
  drafted: number;
  /** Proposed tokens the target accepted (≤ drafted). */
  accepted: number;
  /** Forward passes of the target model, prompt included. */
  targetPasses: number;
}

/** In-memory counters of the request path, for `dhi doctor` and the latency benchmark. */
export interface CompletionMetrics {
  requests: number;
  typeThroughHits: number;
  lruHits: number;
  /** Requests answered from a generation another request had started. */
  joinedJobs: number;
  jobsStarted: number;
  /** Requests answered at the response budget while generation went on. */
  budgetHits: number;
  cancelled: number;
}
