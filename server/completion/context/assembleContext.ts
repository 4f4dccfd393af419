import type { CodeIndex, RetrievedChunk } from "../../index/types.js";
import type { ContextFile } from "../../inference/types.js";
import type { CompletionSettings } from "../../config/schema.js";
import { Cursor } from "../../text/Cursor.js";
import type { Logger } from "../../util/logger.js";
import { anySignal } from "../../util/abort.js";
import { errorMessage } from "../../util/logger.js";
import type { ContextPiece } from "../types.js";
import type { RecentFiles } from "./RecentFiles.js";
import { prefixWindow, suffixWindow } from "./textWindows.js";
import type { TokenCounter } from "./TokenCounter.js";

export interface AssembledContext {
  /** The cursor between the prompt's prefix and suffix windows. */
  cursor: Cursor;
  extraContext: ContextFile[];
  pieces: ContextPiece[];
  /** Sum of the pieces' tokens (the template's own tokens are not counted). */
  tokens: number;
}

export interface AssembleInput {
  uri: string;
  path: string;
  /** Where the prompt is made: the document's cursor, trailing whitespace before it already removed. */
  cursor: Cursor;
  budgets: CompletionSettings["contextTokens"];
  /** The model's context size, so prompt + generation fit. */
  contextSize: number;
  maxTokens: number;
  counter: TokenCounter;
  index: CodeIndex | null;
  recent: RecentFiles;
  logger: Logger;
  signal?: AbortSignal;
  /** Retrieval slower than this is skipped for this request; null waits for it however long it takes. */
  retrievalTimeoutMs: number | null;
}

// Room for FIM control tokens and file separators.
const TEMPLATE_RESERVE = 32;

/** Shrinks the three budgets proportionally so prompt + generation fit in the model's context. */
export function fitBudgets(budgets: CompletionSettings["contextTokens"], contextSize: number, maxTokens: number): CompletionSettings["contextTokens"] {
  const room = Math.max(64, contextSize - maxTokens - TEMPLATE_RESERVE);
  const wanted = budgets.prefix + budgets.suffix + budgets.retrieved;
  if (wanted <= room) return budgets;
  const scale = room / wanted;
  return {
    prefix: Math.floor(budgets.prefix * scale),
    suffix: Math.floor(budgets.suffix * scale),
    retrieved: Math.floor(budgets.retrieved * scale),
  };
}

async function retrieveWithTimeout(input: AssembleInput, maxChars: number): Promise<RetrievedChunk[] | "timeout"> {
  if (!input.index) return [];
  const controller = new AbortController();
  const signal = anySignal([input.signal, controller.signal]);
  let timer: NodeJS.Timeout | undefined;
  const limit = input.retrievalTimeoutMs;
  const timeout = new Promise<"timeout">((resolve) => {
    if (limit === null) return; // a one-shot command waits for retrieval: nobody is typing
    timer = setTimeout(() => {
      controller.abort();
      resolve("timeout");
    }, limit);
  });
  try {
    const retrieval = input.index.retrieve({ path: input.path, text: input.cursor.text, offset: input.cursor.offset, maxChars, signal });
    retrieval.catch(() => undefined); // settled late after a timeout: nothing waits for it
    return await Promise.race([retrieval, timeout]);
  } catch (error) {
    input.logger.debug(`completion: retrieval failed: ${errorMessage(error)}`);
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Builds the prompt's pieces under token budgets counted with the model's tokenizer: prefix and suffix windows
 * cut at line boundaries, then retrieved chunks from the index, then the recent-files ring, which share the
 * `retrieved` budget. Extra context is ordered best first.
 */
export async function assembleContext(input: AssembleInput): Promise<AssembledContext> {
  const budgets = fitBudgets(input.budgets, input.contextSize, input.maxTokens);
  const [prefix, suffix] = await Promise.all([
    prefixWindow(input.cursor, budgets.prefix, input.counter),
    suffixWindow(input.cursor.suffix, budgets.suffix, input.counter),
  ]);
  const pieces: ContextPiece[] = [
    { kind: "prefix", path: input.path, tokens: prefix.tokens, reason: prefix.truncated ? "window" : "whole" },
    { kind: "suffix", path: input.path, tokens: suffix.tokens, reason: suffix.truncated ? "window" : "whole" },
  ];
  let remaining = budgets.retrieved;
  const retrievedFiles: ContextFile[] = [];
  if (remaining > 0 && input.index) {
    // ~3 characters per token is generous for code; the token count below is the real limit.
    const retrieved = await retrieveWithTimeout(input, remaining * 3);
    if (retrieved === "timeout") {
      pieces.push({ kind: "retrieved", tokens: 0, reason: `skipped: retrieval over ${input.retrievalTimeoutMs} ms` });
    } else {
      const counts = await input.counter.countAll(retrieved.map((r) => r.chunk.text));
      retrieved.forEach((r, i) => {
        if (counts[i] > remaining) return;
        remaining -= counts[i];
        retrievedFiles.push({ path: r.chunk.path, text: r.chunk.text });
        const where = `${r.chunk.path}:${r.chunk.startLine}-${r.chunk.endLine}`;
        pieces.push({ kind: "retrieved", path: r.chunk.path, tokens: counts[i], reason: `${r.reason}${r.chunk.symbol ? ` ${r.chunk.symbol}` : ""} (${where})` });
      });
    }
  }
  const recentFiles: ContextFile[] = [];
  const recentChunks = remaining > 0 ? input.recent.chunksFor(input.uri) : [];
  if (recentChunks.length > 0) {
    const counts = await input.counter.countAll(recentChunks.map((c) => c.text));
    // The budget goes to the newest chunks first; the prompt keeps the ring's order (oldest first).
    const kept = new Set<number>();
    for (let i = recentChunks.length - 1; i >= 0; i--) {
      if (counts[i] > remaining) continue;
      remaining -= counts[i];
      kept.add(i);
    }
    recentChunks.forEach((chunk, i) => {
      if (!kept.has(i)) return;
      recentFiles.push({ path: chunk.path, text: chunk.text });
      pieces.push({ kind: "recent", path: chunk.path, tokens: counts[i], reason: `lines ${chunk.startLine + 1}-${chunk.startLine + chunk.text.split("\n").length}` });
    });
  }
  // The recent-files ring first: it changes least between requests, so it stays in the KV cache; then the
  // retrieved chunks, which follow the cursor. The engine keeps files in this order while they fit.
  const extraContext = [...recentFiles, ...retrievedFiles];
  const tokens = pieces.reduce((sum, piece) => sum + piece.tokens, 0);
  return { cursor: Cursor.between(prefix.text, suffix.text), extraContext, pieces, tokens };
}
