import type { CompletionSettings } from "../config/schema.js";
import type { InferenceEngine, PrefillResult } from "../inference/types.js";
import { Cursor } from "../text/Cursor.js";
import { isAbortError } from "../util/abort.js";
import { errorMessage, type Logger } from "../util/logger.js";
import { assembleContext } from "./context/assembleContext.js";
import type { RecentFiles } from "./context/RecentFiles.js";
import type { TokenCounter } from "./context/TokenCounter.js";

// A newly opened file's first completion carries the recent-files ring, whose newest chunk (the file the user
// just left) is not in the KV cache yet: on a 1.5B model on a CPU that is seconds of prompt evaluation. Like
// llama.vim's idle ring update, this evaluates the ring into the cache once the editor has been quiet for a
// moment after the open, so that request evaluates only its own file. Any completion request cancels it at once
// (what was evaluated stays cached), and an open while the user types elsewhere never takes over the cache.

/** Quiet time after an open before the prefill starts: a request right after the open needs none. */
export const PREFILL_DELAY_MS = 250;

export interface ContextPrefillOptions {
  engine: InferenceEngine;
  recent: RecentFiles;
  counter: TokenCounter;
  getSettings: () => CompletionSettings;
  repoName?: string;
  logger: Logger;
}

export class ContextPrefill {
  private timer: NodeJS.Timeout | null = null;
  private running: AbortController | null = null;
  constructor(private readonly options: ContextPrefillOptions) {}

  /** After PREFILL_DELAY_MS without a request, evaluates `uri`'s recent-files context. Only on a loaded engine. */
  schedule(uri: string, path: string, text: string): void {
    this.cancel();
    const { engine } = this.options;
    if (!engine.prefill || !engine.loaded) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run(uri, path, text);
    }, PREFILL_DELAY_MS);
    this.timer.unref?.();
  }

  /** A request arrived (or the document closed): nothing scheduled starts, a running prefill stops at its next chunk. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running?.abort();
    this.running = null;
  }

  /** Runs now (the timer's work); resolves when done or cancelled. */
  async run(uri: string, path: string, text: string): Promise<PrefillResult | null> {
    const { engine, logger } = this.options;
    if (!engine.prefill) return null;
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    try {
      const settings = this.options.getSettings();
      const model = await engine.load({ signal: controller.signal });
      // The same extra context a request at the top of the file assembles (retrieval follows the cursor: not here).
      const assembled = await assembleContext({
        uri,
        path,
        cursor: Cursor.at(text, 0),
        budgets: settings.contextTokens,
        contextSize: model.contextSize,
        maxTokens: settings.maxTokens,
        counter: this.options.counter,
        index: null,
        recent: this.options.recent,
        logger,
        signal: controller.signal,
        retrievalTimeoutMs: null,
      });
      if (assembled.extraContext.length === 0 || controller.signal.aborted) return null;
      const result = await engine.prefill({ cursor: assembled.cursor, extraContext: assembled.extraContext, path, repoName: this.options.repoName, signal: controller.signal });
      if (result) logger.debug(`completion: prefilled ${path}'s recent-files context: ${result.evaluated} of ${result.stable} tokens evaluated`);
      return result;
    } catch (error) {
      if (!isAbortError(error)) logger.debug(`completion: prefill failed for ${path}: ${errorMessage(error)}`);
      return null;
    } finally {
      if (this.running === controller) this.running = null;
    }
  }
}
