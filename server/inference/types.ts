// The one interface every feature uses to talk to a model. Implementations: embedded
// node-llama-cpp (LlamaEngine), OpenAI-compatible HTTP servers (OpenAIEngine) and Ollama (OllamaEngine).
// Architecture invariant: inference/ knows nothing about LSP.

import type { Cursor } from "../text/Cursor.js";

/** Special-token layout for fill-in-the-middle. */
export interface FimTemplateInfo {
  /** Template name from the table (`starcoder`, `deepseek-coder`, …) or `gguf` when read from the model file. */
  name: string;
  /** Whether the template has repo-level context tokens (`<file_sep>` / `<|file_sep|>`). */
  repoLevel: boolean;
  /** Token order the template was trained with. */
  order?: "psm" | "spm";
  /** Prompt layout used (see fimPrompt.ts): "psm-line" keeps the cursor line after the middle token. */
  layout?: "psm" | "psm-line" | "psm-block" | "spm";
}

export interface ModelInfo {
  /** A short display name (file name or server model id). */
  name: string;
  /** The context size actually allocated, in tokens. */
  contextSize: number;
  /** null when the model has no FIM tokens: infill() then throws FimUnsupportedError. */
  fim: FimTemplateInfo | null;
  /** Chat template used by complete(), e.g. node-llama-cpp's wrapper name. */
  chatTemplate: string | null;
  backend: "embedded" | "openai" | "ollama";
  /** Threads used for evaluation (embedded only). */
  threads?: number;
  /** Draft model for speculative decoding, when one is loaded. */
  draftModel?: string | null;
  /** Which llama.cpp binary runs (embedded only): node-llama-cpp's prebuilt one, or one built here. */
  llamaBuild?: "localBuild" | "prebuilt";
  /** Flash attention as passed to llama.cpp (embedded only). */
  flashAttention?: boolean | "auto";
}

/** A piece of extra context for FIM: another file, or a retrieved chunk. */
export interface ContextFile {
  path: string;
  text: string;
}

export interface TokenStats {
  /** Tokens in the prompt. */
  prompt: number;
  /** Prompt tokens actually evaluated in this request. */
  evaluated: number;
  /** Prompt tokens whose KV state was reused from an earlier request. */
  reused: number;
  /** Tokens generated. */
  generated: number;
}

export interface SpeculationStats {
  kind: "draft" | "promptLookup" | "none";
  /** Tokens proposed by the predictor. */
  drafted: number;
  /** Proposed tokens the target accepted. */
  accepted: number;
  /** Proposed tokens the target rejected. */
  refuted: number;
  /** Forward passes of the target model. */
  targetPasses: number;
  /** Of those, the ones decoded straight through the native context (directDecode.ts; embedded backend). */
  directPasses?: number;
}

export interface Timings {
  /** Time spent loading the model in this call (0 when it was already loaded). */
  loadMs: number;
  promptMs: number;
  generateMs: number;
  totalMs: number;
  /** Time this request waited for the model while another generation held it (embedded backend). */
  queueMs?: number;
  /** Time spent tokenizing and laying out the prompt (embedded backend). */
  tokenizeMs?: number;
  /**
   * Of generateMs, the direct steps' waits (embedded backend, greedy): for llama.cpp's decode and for its sampler, each
   * from the call to its promise settling, so each holds one round trip to node-llama-cpp's worker thread.
   */
  decodeWaitMs?: number;
  sampleWaitMs?: number;
}

export type StopReason = "eos" | "maxTokens" | "abort" | "stop";

export interface GenerationResult {
  text: string;
  stopReason: StopReason;
  tokens: TokenStats;
  timings: Timings;
  speculation: SpeculationStats;
  /** The generated token ids (embedded backend), for tests and diagnostics. */
  tokenIds?: number[];
}

/**
 * Called with the whole text generated so far after every token. Return `"stop"` to end generation
 * (e.g. the completion engine's indentation-scope stop); the result then has stopReason `"stop"`.
 */
export type OnText = (textSoFar: string) => "stop" | void;

export interface GenerateOptions {
  /** Defaults to 128. */
  maxTokens?: number;
  /** Defaults to 0 (greedy, deterministic). */
  temperature?: number;
  /** Defaults to a fixed seed, so sampled runs are repeatable. */
  seed?: number;
  /** Stops within one token of the abort; the promise then rejects with AbortError. */
  signal?: AbortSignal;
  onText?: OnText;
  /** Literal stop strings; the text is cut before them. */
  stop?: string[];
}

export interface InfillRequest extends GenerateOptions {
  /** Where to fill in: the prompt's text before and after the cursor, its line split made once by the caller. */
  cursor: Cursor;
  /** Extra files/chunks laid out in the template's repo-level format when it has one. */
  extraContext?: ContextFile[];
  /** Path of the current file, used by repo-level templates. */
  path?: string;
  /** Repository name for repo-level templates; overrides the engine's own (one engine can serve several folders). */
  repoName?: string;
}

/** The cursor-independent start of a FIM prompt (extra context, file header), evaluated ahead of a request. */
export type PrefillRequest = Pick<InfillRequest, "cursor" | "extraContext" | "path" | "repoName" | "signal" | "maxTokens"> & {
  /** Evaluate the whole prompt but its last token (a warm-up at the cursor), not only its stable start. */
  whole?: boolean;
};

export interface PrefillResult {
  /** Tokens of the prompt's stable start (or all but its last, for `whole`), and how many had to be evaluated. */
  stable: number;
  evaluated: number;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  text: string;
}

export interface CompleteRequest extends GenerateOptions {
  /** Rendered through the model's own chat template. */
  messages: ChatMessage[];
  /** A JSON schema: output is constrained to it (node-llama-cpp grammar / server json_schema). */
  jsonSchema?: JsonSchema;
  /** Use prompt-lookup speculation: most output tokens copy the input (rewrites, agent edits). */
  inputGrounded?: boolean;
}

/** A JSON schema in the subset node-llama-cpp's grammar generator accepts. */
export type JsonSchema = { readonly [key: string]: unknown };

export interface LoadProgress {
  /** 0..1 */
  fraction: number;
  message: string;
}

export interface InferenceEngine {
  /** Loads the model if needed (lazily, once) and describes it. */
  load(options?: { signal?: AbortSignal; onProgress?: (p: LoadProgress) => void }): Promise<ModelInfo>;
  readonly loaded: boolean;
  /** Fill-in-the-middle with the model's own FIM tokens. */
  infill(request: InfillRequest): Promise<GenerationResult>;
  /** Instruction-following generation through the chat template. */
  complete(request: CompleteRequest): Promise<GenerationResult>;
  /**
   * Evaluates the cursor-independent start of the FIM prompt infill() would build into the KV cache, so the next
   * infill with the same extra context evaluates only its own part. Only on a loaded embedded engine; null when
   * it did nothing. Rejects with AbortError when cancelled (what was evaluated stays cached).
   */
  prefill?(request: PrefillRequest): Promise<PrefillResult | null>;
  tokenize(text: string): Promise<number[]>;
  countTokens(text: string): Promise<number>;
  /** Counts requests that reached the model; tests use it to prove cache hits make no model call. */
  readonly stats: { infillCalls: number; completeCalls: number };
  /** llama.cpp context sequences in use (embedded engines only), so a soak run can prove none leak. */
  openSequences?(): number;
  dispose(): Promise<void>;
}
