import type { LlamaModel, Token } from "node-llama-cpp";
import type { Cursor } from "../text/Cursor.js";
import type { ResolvedFimTemplate } from "./fimTemplates.js";
import type { ContextFile } from "./types.js";

// Lays out a FIM prompt as tokens. The layout decides how much KV cache survives a keystroke:
// - "psm":      [ctx] PRE prefix SUF suffix MID            (a keystroke changes the prefix end, so the
//                                                          whole suffix is re-evaluated every time; the
//                                                          cursor line is tokenized on its own, as
//                                                          llama-server /infill's `prompt` field is)
// - "psm-line": [ctx] PRE prefix-before-cursor-line SUF suffix MID cursor-line-head
//               (the layout llama.vim's `prompt` field is meant for: typing on a line changes only the
//               tokens after MID; Enter re-evaluates the suffix once per line)
// - "psm-block": like psm-line, but the prefix is cut at the start of the current block of 8 lines,
//               so pressing Enter does not re-evaluate the suffix either. Opt-in only: the middle then
//               starts with lines the model did not write, and on dhi-fim-4m single-line infilling
//               quality collapsed (edit similarity 0.03 vs 0.18 for psm-line).
// - "spm":      [ctx] SUF suffix PRE prefix [MID]           (only for models trained on SPM)
// Extra context comes first, so it is reused as long as retrieval returns the same files.

export type FimLayout = "psm" | "psm-line" | "psm-block" | "spm";

/** Lines per block in the "psm-block" layout. */
export const PSM_BLOCK_LINES = 8;

export interface FimPromptInput {
  cursor: Cursor;
  extraContext?: readonly ContextFile[];
  path?: string;
  /** Repository name for repo-level templates. */
  repoName?: string;
}

/**
 * Remembers recent tokenizations: while typing on one line the prefix lines, the suffix and the extra
 * files are the same strings every keystroke, and tokenizing a long file costs milliseconds.
 */
export class TokenMemo {
  private readonly memo = new Map<string, Token[] | string>();
  constructor(
    readonly model: Tok,
    private readonly max = 24,
  ) {}

  tokenize(text: string): Token[] {
    if (text.length < 256) return text === "" ? [] : this.model.tokenize(text, false);
    const hit = this.get(`t\u0000${text}`);
    if (Array.isArray(hit)) return hit;
    const tokens = this.model.tokenize(text, false);
    this.put(`t\u0000${text}`, tokens);
    return tokens;
  }

  keepFromEnd(text: string, maxTokens: number): string {
    const key = `e${maxTokens}\u0000${text}`;
    const hit = this.get(key);
    if (typeof hit === "string") return hit;
    const kept = keepLinesFromEnd(this.model, text, maxTokens);
    this.put(key, kept);
    return kept;
  }

  keepFromStart(text: string, maxTokens: number): string {
    const key = `s${maxTokens}\u0000${text}`;
    const hit = this.get(key);
    if (typeof hit === "string") return hit;
    const kept = keepLinesFromStart(this.model, text, maxTokens);
    this.put(key, kept);
    return kept;
  }

  private get(key: string): Token[] | string | undefined {
    const v = this.memo.get(key);
    if (v !== undefined) {
      this.memo.delete(key);
      this.memo.set(key, v);
    }
    return v;
  }

  private put(key: string, value: Token[] | string): void {
    this.memo.set(key, value);
    if (this.memo.size > this.max) this.memo.delete(this.memo.keys().next().value ?? "");
  }
}

export interface FimPromptOptions {
  /** "auto": spm for SPM-trained templates, else psm-line. */
  layout?: FimLayout | "auto";
  /** Maximum prompt tokens (context size minus room to generate). */
  budget: number;
  /** Reuse tokenizations across calls (the engine keeps one). */
  memo?: TokenMemo;
}

export interface FimPrompt {
  tokens: Token[];
  layout: FimLayout;
  /** Extra-context files that fitted. */
  contextFiles: number;
  /** Leading tokens that do not depend on where the cursor is (extra context, file header): what a prefill can evaluate. */
  stable: number;
}

type Tok = Pick<LlamaModel, "tokenize">;
type TokBos = Pick<LlamaModel, "tokenize" | "tokens">;

export function chooseLayout(template: ResolvedFimTemplate, layout: FimLayout | "auto" = "auto"): FimLayout {
  if (layout !== "auto") return layout;
  return template.order === "spm" ? "spm" : "psm-line";
}

export function buildFimPrompt(model: TokBos, template: ResolvedFimTemplate, input: FimPromptInput, options: FimPromptOptions): FimPrompt {
  const layout = chooseLayout(template, options.layout);
  const memo = options.memo ?? new TokenMemo(model, 0);
  const text = (s: string): Token[] => memo.tokenize(s);
  const { prefix, suffix } = input.cursor;
  // psm tokenizes the cursor line's head apart from the lines before it and keeps it in the prefix: llama-server's
  // /infill prompt as llama.vim sends it (`input_prefix` + `prompt`), token for token. The others put it after MID.
  const lineStart = layout === "psm" ? input.cursor.lineStart : middleStart(input.cursor, layout);
  let lineHead = text(prefix.slice(lineStart));
  const specials = 4;
  const budget = Math.max(16, options.budget);
  if (lineHead.length > budget / 2) lineHead = lineHead.slice(-Math.floor(budget / 2));

  // Prefix and suffix share what is left; the suffix gets at most a quarter when both are long.
  const room = budget - specials - lineHead.length;
  const prefixLines = prefix.slice(0, lineStart);
  const suffixTokensFull = text(suffix);
  const prefixTokensFull = text(prefixLines);
  let prefixTokens = prefixTokensFull;
  let suffixTokens = suffixTokensFull;
  if (prefixTokensFull.length + suffixTokensFull.length > room) {
    const suffixRoom = Math.min(suffixTokensFull.length, Math.max(Math.floor(room / 4), room - prefixTokensFull.length));
    suffixTokens = text(memo.keepFromStart(suffix, suffixRoom));
    prefixTokens = text(memo.keepFromEnd(prefixLines, room - suffixTokens.length));
  }

  // Extra context: whole files while they fit, in the caller's order (best first).
  const ctxRoom = budget - specials - lineHead.length - prefixTokens.length - suffixTokens.length;
  const ctx: Token[] = [];
  // Repo-level format only when there is something to name; plain FIM otherwise.
  const repo = (input.extraContext?.length ?? 0) > 0 || input.path !== undefined ? template.repo : null;
  let contextFiles = 0;
  if (repo) {
    ctx.push(repo.name, ...text(repo.style === "qwen" ? `${input.repoName ?? "repo"}\n` : (input.repoName ?? "repo")));
  }
  for (const file of input.extraContext ?? []) {
    const piece = repo
      ? [repo.fileSep, ...text(`${file.path}\n${file.text}${repo.style === "qwen" ? "\n" : ""}`)]
      : text(commentHeader(file.path, input.path) + file.text + (file.text.endsWith("\n") ? "\n" : "\n\n"));
    if (piece.length + (repo ? 4 : 0) > ctxRoom - ctx.length) continue;
    ctx.push(...piece);
    contextFiles++;
  }

  // The current file's header: repo-level templates name it with a file separator.
  const current: Token[] = [];
  let currentAfterPrefix: Token[] = [];
  if (repo && input.path !== undefined) {
    if (repo.style === "qwen") current.push(repo.fileSep, ...text(`${input.path}\n`));
    else {
      current.push(repo.fileSep);
      currentAfterPrefix = text(`${input.path}\n`);
    }
  } else if (repo) {
    current.push(repo.fileSep);
  } else if (contextFiles > 0 && input.path !== undefined) {
    currentAfterPrefix = text(commentHeader(input.path, input.path));
  }

  const middle = template.middle == null ? [] : [template.middle];
  // Without repo tokens the extra files are commented headers at the start of the prefix.
  const before = repo ? ctx : [];
  const inPrefix = repo ? currentAfterPrefix : [...ctx, ...currentAfterPrefix];
  const bos = model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos] : [];
  const tokens: Token[] =
    layout === "spm"
      ? [...bos, ...before, ...current, template.suffix, ...suffixTokens, template.prefix, ...inPrefix, ...prefixTokens, ...lineHead, ...middle]
      : [
          ...bos,
          ...before,
          ...current,
          template.prefix,
          ...inPrefix,
          ...prefixTokens,
          ...(layout === "psm" ? lineHead : []),
          template.suffix,
          ...suffixTokens,
          ...middle,
          ...(layout === "psm" ? [] : lineHead),
        ];
  const stable = layout === "spm" ? bos.length + before.length + current.length + 1 : bos.length + before.length + current.length + 1 + inPrefix.length;
  return { tokens, layout, contextFiles, stable };
}

/** Where the part of the prefix that goes after the middle token starts, per layout. */
export function middleStart(cursor: Cursor, layout: FimLayout): number {
  if (layout === "psm-line") return cursor.lineStart;
  if (layout !== "psm-block") return cursor.offset;
  const { prefix } = cursor;
  const starts = [0];
  for (let i = prefix.indexOf("\n"); i >= 0; i = prefix.indexOf("\n", i + 1)) starts.push(i + 1);
  const line = starts.length - 1;
  return starts[line - (line % PSM_BLOCK_LINES)] ?? 0;
}

/**
 * Keeps whole lines from the end of `text` within `maxTokens`. The first kept line is rounded to a
 * multiple of `granularity` lines, so the window's start (and the KV cache after it) only moves
 * every `granularity` lines typed, not on every new line.
 */
export function keepLinesFromEnd(model: Tok, text: string, maxTokens: number, granularity = 16): string {
  if (maxTokens <= 0) return "";
  const lines = text.split(/(?<=\n)/);
  let used = 0;
  let i = lines.length;
  while (i > 0) {
    const n = model.tokenize(lines[i - 1] ?? "", false).length;
    if (used + n > maxTokens) break;
    used += n;
    i--;
  }
  if (i > 0 && granularity > 1) i = Math.min(lines.length, Math.ceil(i / granularity) * granularity);
  return lines.slice(i).join("");
}

/** Keeps whole lines from the start of `text` within `maxTokens`. */
export function keepLinesFromStart(model: Tok, text: string, maxTokens: number): string {
  if (maxTokens <= 0) return "";
  const lines = text.split(/(?<=\n)/);
  let used = 0;
  let i = 0;
  while (i < lines.length) {
    const n = model.tokenize(lines[i] ?? "", false).length;
    if (used + n > maxTokens) break;
    used += n;
    i++;
  }
  return lines.slice(0, i).join("");
}

const HASH_COMMENT = new Set(["py", "sh", "bash", "rb", "pl", "r", "yaml", "yml", "toml", "cmake", "dockerfile", "mk", "jl", "nim"]);
const DASH_COMMENT = new Set(["sql", "lua", "hs", "elm", "ada"]);

/** `// path: a.ts` in the comment syntax of the file the completion happens in. */
export function commentHeader(path: string, currentPath: string | undefined): string {
  const ext = (currentPath ?? path).split(".").pop()?.toLowerCase() ?? "";
  const lead = HASH_COMMENT.has(ext) ? "#" : DASH_COMMENT.has(ext) ? "--" : "//";
  return `${lead} path: ${path}\n`;
}
