import type { CompletionSettings } from "../config/schema.js";
import type { CodeIndex } from "../index/types.js";
import type { InferenceEngine, PrefillRequest, PrefillResult } from "../inference/types.js";
import { Cursor } from "../text/Cursor.js";
import { isAbortError } from "../util/abort.js";
import { errorMessage, type Logger } from "../util/logger.js";
import { assembleContext } from "./context/assembleContext.js";
import type { RecentFiles } from "./context/RecentFiles.js";
import type { TokenCounter } from "./context/TokenCounter.js";
import { trailingWhitespace } from "./context/trailingWhitespace.js";

// The recent-files ring changes only while the editor is idle, as llama.vim's ring_update: once nothing has been
// asked for a moment, the files edited since go into the ring (RecentFiles.admit) and the prompt that now starts
// with it is evaluated into the KV cache. A request therefore never evaluates the chunk of the file just left (on a
// 1.5B model on a CPU, seconds of prompt evaluation): it sees the ring the cache already holds.
// - After an open: the new file's prompt start (the ring and the file's header).
// - After a request: if the ring changed, that request's whole prompt (a warm-up), so the next keystroke there
//   evaluates only what it typed; the file's own tokens are shifted into place behind the grown ring.
// Any completion request cancels it at once (what was evaluated stays cached); an engine that cannot prefill (a
// remote server, or a model not loaded yet) takes the ring's changes at the request instead (canRun()).

/** Quiet time before the ring is updated and evaluated: a request within it needs none. */
export const PREFILL_DELAY_MS = 250;

export interface ContextPrefillOptions {
  engine: InferenceEngine;
  recent: RecentFiles;
  counter: TokenCounter;
  getSettings: () => CompletionSettings;
  /** The index a warm-up retrieves from, as the request it repeats did. */
  getIndex?: () => CodeIndex | null;
  repoName?: string;
  logger: Logger;
}

/** A request that was answered: where, and with what generation length and retrieval. */
export interface AnsweredRequest {
  uri: string;
  path: string;
  cursor: Cursor;
  maxTokens: number;
  retrieval: boolean;
}

export class ContextPrefill {
  private timer: NodeJS.Timeout | null = null;
  private running: AbortController | null = null;
  constructor(private readonly options: ContextPrefillOptions) {}

  /** Whether idle-time prefills happen: an engine with prefill() and its model loaded. */
  canRun(): boolean {
    return this.options.engine.prefill !== undefined && this.options.engine.loaded;
  }

  /** After PREFILL_DELAY_MS without a request, updates the ring and evaluates `uri`'s prompt start. */
  schedule(uri: string, path: string, text: string): void {
    this.later(() => this.run(uri, path, text));
  }

  /** After PREFILL_DELAY_MS without a request, updates the ring and, if it changed, evaluates `request`'s prompt. */
  scheduleWarmUp(request: AnsweredRequest): void {
    this.later(() => this.warmUp(request));
  }

  /** A request arrived (or the document closed): nothing scheduled starts, a running prefill stops at its next chunk. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running?.abort();
    this.running = null;
  }

  /** The open's work, now: resolves when done or cancelled. */
  async run(uri: string, path: string, text: string): Promise<PrefillResult | null> {
    this.options.recent.admit(uri);
    // The same extra context a request at the top of the file assembles (retrieval follows the cursor: not here).
    return this.prefill({ uri, path, cursor: Cursor.at(text, 0), maxTokens: this.options.getSettings().maxTokens, retrieval: false }, false);
  }

  /** The warm-up's work, now: null when the ring did not change (the cache already holds the next prompt's start). */
  async warmUp(request: AnsweredRequest): Promise<PrefillResult | null> {
    if (!this.options.recent.admit(request.uri)) return null;
    return this.prefill(request, true);
  }

  private later(work: () => Promise<unknown>): void {
    this.cancel();
    if (!this.canRun()) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void work();
    }, PREFILL_DELAY_MS);
    this.timer.unref?.();
  }

  private async prefill(at: AnsweredRequest, whole: boolean): Promise<PrefillResult | null> {
    const { engine, logger } = this.options;
    const { path } = at;
    if (!engine.prefill) return null;
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    try {
      const settings = this.options.getSettings();
      const model = await engine.load({ signal: controller.signal });
      // The request's own prompt: the cursor line's trailing whitespace left out, as GenerationJob does.
      const assembled = await assembleContext({
        uri: at.uri,
        path,
        cursor: at.cursor.deleteBefore(trailingWhitespace(at.cursor.linePrefix).length),
        budgets: settings.contextTokens,
        contextSize: model.contextSize,
        maxTokens: at.maxTokens,
        counter: this.options.counter,
        index: at.retrieval ? (this.options.getIndex?.() ?? null) : null,
        recent: this.options.recent,
        logger,
        signal: controller.signal,
        retrievalTimeoutMs: null,
      });
      if (assembled.extraContext.length === 0 || controller.signal.aborted) return null;
      const request: PrefillRequest = {
        cursor: assembled.cursor,
        extraContext: assembled.extraContext,
        path,
        repoName: this.options.repoName,
        maxTokens: at.maxTokens,
        whole,
        signal: controller.signal,
      };
      const result = await engine.prefill(request);
      if (result) {
        const files = assembled.extraContext.map((file) => file.path).join(", ");
        logger.debug(`completion: prefilled ${path}'s ${whole ? "prompt after the ring changed" : "recent-files context"} (${files}): ${result.evaluated} of ${result.stable} tokens evaluated`);
      }
      return result;
    } catch (error) {
      if (!isAbortError(error)) logger.debug(`completion: prefill failed for ${path}: ${errorMessage(error)}`);
      return null;
    } finally {
      if (this.running === controller) this.running = null;
    }
  }
}
