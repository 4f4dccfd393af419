import type { BackendSettings, ModelSettings } from "../config/schema.js";
import { AbortError, anySignal } from "../util/abort.js";
import type { Logger } from "../util/logger.js";
import { SharedLoad } from "../util/SharedLoad.js";
import { BackendError, FimUnsupportedError } from "./errors.js";
import { buildFimText, templateForServerModel } from "./fimText.js";
import type { FimTemplate } from "./fimTemplates.js";
import { DEFAULT_MAX_TOKENS, DEFAULT_SEED } from "./generate.js";
import { request } from "./httpClient.js";
import { num, obj, str, type Json } from "./jsonShape.js";
import { parseSseJson } from "./sse.js";
import { streamGeneration, type StreamChunk } from "./streamGeneration.js";
import type {
  CompleteRequest,
  GenerateOptions,
  GenerationResult,
  InferenceEngine,
  InfillRequest,
  LoadProgress,
  ModelInfo,
  TokenStats,
} from "./types.js";

// The OpenAI-compatible backend (llama-server, vLLM, Ollama, …): /v1/completions with a client-built
// FIM prompt, llama-server's native /infill when the server is llama-server, /v1/chat/completions for
// instructions. All streamed (SSE) so onText, stop strings and abort work per token.

export interface OpenAIEngineOptions {
  backend: BackendSettings;
  model: ModelSettings;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Time allowed until the response headers arrive. Defaults to 30 s. */
  timeoutMs?: number;
  /** Longest silence while streaming. Defaults to 60 s. */
  idleTimeoutMs?: number;
  /** Retries on 429/5xx/dropped connections. Defaults to 3. */
  retries?: number;
  /** First retry backoff (doubles). Defaults to 250 ms. */
  backoffMs?: number;
}

interface Server {
  info: ModelInfo;
  modelId: string | null;
  llamaServer: boolean;
  fim: FimTemplate | null;
}

export class OpenAIEngine implements InferenceEngine {
  readonly stats = { infillCalls: 0, completeCalls: 0 };
  private server: Server | null = null;
  // Each caller can give up on its own; the connection attempt stops only when nobody waits for it.
  private readonly connection = new SharedLoad<Server>((signal) => this.connect(signal), "Connecting was cancelled");
  private readonly base: string;

  constructor(private readonly options: OpenAIEngineOptions) {
    this.base = (options.backend.url ?? "").trim().replace(/\/+$/, "").replace(/\/v1$/, "");
  }

  get loaded(): boolean {
    return this.server !== null;
  }

  async load(options: { signal?: AbortSignal; onProgress?: (p: LoadProgress) => void } = {}): Promise<ModelInfo> {
    if (this.server) return this.server.info;
    options.onProgress?.({ fraction: 0, message: `connecting to ${this.base}` });
    const server = await this.connection.wait(options.signal);
    options.onProgress?.({ fraction: 1, message: `connected to ${server.info.name}` });
    return server.info;
  }

  async infill(req: InfillRequest): Promise<GenerationResult> {
    const t0 = performance.now();
    const wasLoaded = this.loaded;
    await this.load({ signal: req.signal });
    const server = this.mustServer();
    const loadMs = wasLoaded ? 0 : performance.now() - t0;
    const common = {
      temperature: req.temperature ?? 0,
      seed: req.seed ?? DEFAULT_SEED,
      stream: true,
      ...(req.stop?.length ? { stop: req.stop } : {}),
    };
    if (server.llamaServer && (this.options.model.template === "auto" || !server.fim)) {
      this.stats.infillCalls++;
      // llama-server lays out the prompt itself (repo-level chunks, its own 3:1 prefix/suffix window);
      // the cursor line goes in `prompt`, which llama.vim intends to follow the middle token (the
      // llama.cpp bundled with node-llama-cpp 3.22.1 still appends it to the prefix).
      const { cursor } = req;
      const body = {
        input_prefix: cursor.prefix.slice(0, cursor.lineStart),
        input_suffix: cursor.suffix,
        prompt: cursor.linePrefix,
        input_extra: (req.extraContext ?? []).map((f) => ({ filename: f.path, text: f.text })),
        n_predict: req.maxTokens ?? DEFAULT_MAX_TOKENS,
        cache_prompt: true,
        ...common,
      };
      return this.stream("/infill", body, req, llamaServerChunk, loadMs);
    }
    if (!server.fim) throw new FimUnsupportedError(`${server.info.name} (set "model.template" to the model's FIM template)`);
    this.stats.infillCalls++;
    const prompt = buildFimText(server.fim, req);
    const body = {
      ...(server.modelId ? { model: server.modelId } : {}),
      prompt,
      max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS,
      ...common,
      ...(server.llamaServer ? { cache_prompt: true } : { stream_options: { include_usage: true } }),
    };
    return this.stream("/v1/completions", body, req, completionChunk, loadMs);
  }

  async complete(req: CompleteRequest): Promise<GenerationResult> {
    const t0 = performance.now();
    const wasLoaded = this.loaded;
    await this.load({ signal: req.signal });
    const server = this.mustServer();
    const loadMs = wasLoaded ? 0 : performance.now() - t0;
    this.stats.completeCalls++;
    const body = {
      ...(server.modelId ? { model: server.modelId } : {}),
      messages: req.messages.map((m) => ({ role: m.role, content: m.text })),
      max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS,
      temperature: req.temperature ?? 0,
      seed: req.seed ?? DEFAULT_SEED,
      stream: true,
      ...(server.llamaServer ? { cache_prompt: true } : { stream_options: { include_usage: true } }),
      ...(req.stop?.length ? { stop: req.stop } : {}),
      ...(req.jsonSchema ? { response_format: { type: "json_schema", json_schema: { name: "result", strict: true, schema: req.jsonSchema } } } : {}),
    };
    return this.stream("/v1/chat/completions", body, req, chatChunk, loadMs);
  }

  async tokenize(text: string): Promise<number[]> {
    await this.load();
    if (!this.mustServer().llamaServer) {
      throw new BackendError(`dhi: ${this.base} (backend.url) has no /tokenize endpoint; use countTokens() for budgets`);
    }
    const res = await this.http("/tokenize", { content: text, add_special: false, parse_special: false });
    const json = (await res.json()) as { tokens?: unknown };
    if (!Array.isArray(json.tokens)) throw new BackendError(`dhi: ${this.base}/tokenize returned no tokens`);
    return json.tokens.filter((t): t is number => typeof t === "number");
  }

  /** Exact on llama-server; elsewhere an estimate (≈ 3.5 characters per token for code). */
  async countTokens(text: string): Promise<number> {
    await this.load();
    if (this.mustServer().llamaServer) return (await this.tokenize(text)).length;
    return Math.ceil(text.length / 3.5);
  }

  async dispose(): Promise<void> {
    this.server = null;
  }

  // ---- internals ----

  private mustServer(): Server {
    if (!this.server) throw new BackendError(`dhi: not connected to ${this.base}`);
    return this.server;
  }

  private http(path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    return request(`${this.base}${path}`, {
      body,
      apiKey: this.options.backend.apiKey,
      signal,
      timeoutMs: this.options.timeoutMs,
      retries: this.options.retries,
      backoffMs: this.options.backoffMs,
    });
  }

  private async connect(signal?: AbortSignal): Promise<Server> {
    if (!this.base) throw new BackendError('dhi: backend.type is "openai" but "backend.url" is not set (e.g. http://127.0.0.1:8080)');
    if (!/^https?:\/\//i.test(this.base)) throw new BackendError(`dhi: "backend.url" must start with http:// or https:// (got "${this.base}")`);
    const models = (await (await this.http("/v1/models", undefined, signal)).json()) as { data?: Array<{ id?: unknown }> };
    const served = (models.data ?? []).map((m) => (typeof m.id === "string" ? m.id : null)).filter((x): x is string => x !== null);
    const wanted = this.options.backend.model;
    if (wanted && served.length > 0 && !served.includes(wanted)) {
      throw new BackendError(`dhi: ${this.base} does not serve "backend.model" "${wanted}" (it serves: ${served.slice(0, 5).join(", ")})`);
    }
    const modelId = wanted ?? served[0] ?? null;
    // llama-server answers /props; other servers 404 (no retries: a 404 is an answer).
    const props = await this.llamaServerProps(signal);
    const llamaServer = props !== null;
    const nCtx = obj(props?.default_generation_settings).n_ctx ?? props?.n_ctx;
    const fim = templateForServerModel(this.options.model.template, modelId);
    const info: ModelInfo = {
      name: modelId ?? this.base,
      contextSize: typeof nCtx === "number" && nCtx > 0 ? nCtx : this.options.model.contextSize,
      fim: llamaServer ? { name: fim?.name ?? "server", repoLevel: true, layout: "psm-line" } : fim ? { name: fim.name, repoLevel: fim.fileSep !== undefined, order: fim.order } : null,
      chatTemplate: "server",
      backend: "openai",
    };
    this.options.logger.info(`connected to ${this.base}: model ${info.name}${llamaServer ? " (llama-server, /infill)" : ""}`);
    this.server = { info, modelId, llamaServer, fim };
    return this.server;
  }

  /** llama-server's /props, or null when the server is something else (it answers 404). */
  private async llamaServerProps(signal?: AbortSignal): Promise<Json | null> {
    try {
      const res = await request(`${this.base}/props`, { apiKey: this.options.backend.apiKey, signal, retries: 0, timeoutMs: this.options.timeoutMs });
      return obj(await res.json());
    } catch (error) {
      if (signal?.aborted) throw new AbortError();
      if (error instanceof BackendError && error.status !== undefined && error.status !== 401 && error.status !== 403) return null;
      throw error;
    }
  }

  private stream(path: string, body: unknown, req: GenerateOptions, parse: (json: unknown) => StreamChunk, loadMs: number): Promise<GenerationResult> {
    const where = `${this.base}${path}`;
    const open = async (signal: AbortSignal): Promise<AsyncIterable<unknown>> => {
      const response = await this.http(path, body, signal);
      if (!response.body) throw new BackendError(`dhi: ${where} sent no body`);
      return parseSseJson(response.body);
    };
    return streamGeneration({ open, parse, where: `${where} (backend.url)`, idleMs: this.options.idleTimeoutMs ?? 60_000, loadMs }, req);
  }
}

// ---- response shapes ----


function openAiUsage(json: Json): Partial<TokenStats> | undefined {
  const u = obj(json.usage);
  if (json.usage == null) return undefined;
  const prompt = num(u.prompt_tokens);
  const cached = num(obj(u.prompt_tokens_details).cached_tokens);
  return {
    ...(prompt !== undefined ? { prompt } : {}),
    ...(num(u.completion_tokens) !== undefined ? { generated: num(u.completion_tokens) } : {}),
    ...(cached !== undefined && prompt !== undefined ? { reused: cached, evaluated: prompt - cached } : {}),
  };
}

/** llama-server timings: prompt_n is what it evaluated; cache_n what it reused. */
function llamaTimingsUsage(json: Json): Partial<TokenStats> | undefined {
  const t = obj(json.timings);
  if (json.timings == null) return undefined;
  const evaluated = num(t.prompt_n);
  const reused = num(t.cache_n) ?? num(json.tokens_cached);
  return {
    ...(evaluated !== undefined ? { evaluated } : {}),
    ...(reused !== undefined ? { reused } : {}),
    ...(evaluated !== undefined ? { prompt: evaluated + (reused ?? 0) } : {}),
    ...(num(t.predicted_n) !== undefined ? { generated: num(t.predicted_n) } : {}),
  };
}

/** llama-server sends both; its timings know what the KV cache reused. */
function mergeUsage(j: Json): Partial<TokenStats> | undefined {
  const a = openAiUsage(j);
  const b = llamaTimingsUsage(j);
  return a || b ? { ...a, ...b } : undefined;
}

function completionChunk(json: unknown): StreamChunk {
  const j = obj(json);
  const choice = obj(Array.isArray(j.choices) ? j.choices[0] : undefined);
  const finish = typeof choice.finish_reason === "string" ? choice.finish_reason : null;
  return { text: str(choice.text), done: false, finish, usage: mergeUsage(j) };
}

function chatChunk(json: unknown): StreamChunk {
  const j = obj(json);
  const choice = obj(Array.isArray(j.choices) ? j.choices[0] : undefined);
  const finish = typeof choice.finish_reason === "string" ? choice.finish_reason : null;
  return { text: str(obj(choice.delta).content), done: false, finish, usage: mergeUsage(j) };
}

function llamaServerChunk(json: unknown): StreamChunk {
  const j = obj(json);
  const done = j.stop === true;
  const finish = done ? (j.stop_type === "limit" || j.stopped_limit === true ? "length" : "stop") : null;
  return { text: str(j.content), done, finish, usage: llamaTimingsUsage(j) };
}
