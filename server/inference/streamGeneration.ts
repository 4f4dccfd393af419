import { AbortError, anySignal } from "../util/abort.js";
import { BackendError } from "./errors.js";
import { DEFAULT_MAX_TOKENS } from "./generate.js";
import { StopStringMatcher } from "./StopStringMatcher.js";
import type { GenerateOptions, GenerationResult, StopReason, TokenStats } from "./types.js";

// The token-by-token loop shared by the HTTP backends (OpenAI-compatible SSE, Ollama NDJSON): stop
// strings, onText, abort, an idle timeout while streaming, and the result's token and time figures.

/** One streamed chunk, normalized across endpoints. */
export interface StreamChunk {
  text: string;
  done: boolean;
  finish?: string | null;
  usage?: Partial<TokenStats>;
}

export interface StreamSource {
  /** Sends the request; resolves with the decoded JSON values of the stream. */
  open(signal: AbortSignal): Promise<AsyncIterable<unknown>>;
  parse(json: unknown): StreamChunk;
  /** Names the endpoint and its setting in errors, e.g. `http://…/api/generate (backend.url)`. */
  where: string;
  idleMs: number;
  loadMs: number;
}

export async function streamGeneration(source: StreamSource, req: GenerateOptions): Promise<GenerationResult> {
  const t0 = performance.now();
  const local = new AbortController();
  const signal = anySignal([req.signal, local.signal]);
  const values = await source.open(signal);
  let idle = setTimeout(() => local.abort(), source.idleMs);
  const matcher = new StopStringMatcher(req.stop ?? []);
  const maxTokens = req.maxTokens ?? DEFAULT_MAX_TOKENS;
  let text = "";
  let chunks = 0;
  let firstAt = 0;
  let stopReason: StopReason = "eos";
  let usage: Partial<TokenStats> = {};
  let timedOut = false;
  try {
    for await (const json of values) {
      clearTimeout(idle);
      idle = setTimeout(() => local.abort(), source.idleMs);
      const chunk = source.parse(json);
      if (chunk.usage) usage = { ...usage, ...chunk.usage };
      if (chunk.text) {
        if (firstAt === 0) firstAt = performance.now();
        chunks++;
        text += chunk.text;
        const cut = matcher.find(text);
        if (cut >= 0) {
          text = text.slice(0, cut);
          stopReason = "stop";
          break;
        }
        if (req.onText?.(text) === "stop") {
          stopReason = "stop";
          break;
        }
      }
      if (chunk.finish === "length") stopReason = "maxTokens";
      if (chunk.done) break;
      if (req.signal?.aborted) break;
    }
  } catch (error) {
    if (req.signal?.aborted) throw new AbortError();
    if (local.signal.aborted) timedOut = true;
    else throw error instanceof BackendError ? error : new BackendError(`dhi: ${source.where} stream failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(idle);
    local.abort(); // closes the connection when we stopped early
  }
  if (req.signal?.aborted) throw new AbortError();
  if (timedOut) throw new BackendError(`dhi: ${source.where} stopped streaming for ${Math.round(source.idleMs / 1000)} s`);
  const end = performance.now();
  const generated = usage.generated ?? chunks;
  if (stopReason === "eos" && generated >= maxTokens) stopReason = "maxTokens";
  const prompt = usage.prompt ?? 0;
  const evaluated = usage.evaluated ?? prompt;
  const promptMs = (firstAt || end) - t0;
  return {
    text,
    stopReason,
    tokens: { prompt, evaluated, reused: usage.reused ?? Math.max(0, prompt - evaluated), generated },
    timings: { loadMs: source.loadMs, promptMs, generateMs: end - t0 - promptMs, totalMs: end - t0 + source.loadMs },
    speculation: { kind: "none", drafted: 0, accepted: 0, refuted: 0, targetPasses: 0 },
  };
}
