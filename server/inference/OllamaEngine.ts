import type { BackendSettings, ModelSettings } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import { BackendError, FimUnsupportedError } from "./errors.js";
import { commentHeader } from "./fimPrompt.js";
import { buildFimText, templateForServerModel } from "./fimText.js";
import type { FimTemplate } from "./fimTemplates.js";
import { DEFAULT_MAX_TOKENS, DEFAULT_SEED } from "./generate.js";
import { request } from "./httpClient.js";
import { num, obj, str, type Json } from "./jsonShape.js";
import { parseNdjson } from "./ndjson.js";
import { streamGeneration, type StreamChunk } from "./streamGeneration.js";
import type { CompleteRequest, GenerateOptions, GenerationResult, InferenceEngine, InfillRequest, LoadProgress, ModelInfo } from "./types.js";

// Ollama's native API. FIM goes through /api/generate: with `suffix` when the model's Ollama template
// takes one (capability "insert"), else as a client-built FIM prompt in `raw` mode. Instructions go
// through /api/chat, which applies the model's own template. Everything streams NDJSON and carries
// `keep_alive`, so the model stays loaded between keystrokes.

export const OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434";

export interface OllamaEngineOptions {
  backend: BackendSettings;
  model: ModelSettings;
  logger: Logger;
  /** Time allowed until the response headers arrive. Defaults to 30 s (a cold model load can be slow). */
  timeoutMs?: number;
  /** Longest silence while streaming. Defaults to 60 s. */
  idleTimeoutMs?: number;
  /** Retries on 429/5xx/dropped connections. Defaults to 3. */
  retries?: number;
  backoffMs?: number;
}

interface Connected {
  info: ModelInfo;
  model: string;
  /** The model's Ollama template takes `suffix`. */
  nativeFim: boolean;
  /** Client-side template for raw mode. */
  rawFim: FimTemplate | null;
}

export class OllamaEngine implements InferenceEngine {
  readonly stats = { infillCalls: 0, completeCalls: 0 };
  private connected: Connected | null = null;
  private connecting: Promise<Connected> | null = null;
  private readonly base: string;

  constructor(private readonly options: OllamaEngineOptions) {
    this.base = (options.backend.url ?? OLLAMA_DEFAULT_URL).trim().replace(/\/+$/, "").replace(/\/(api|v1)$/, "");
  }

  get loaded(): boolean {
    return this.connected !== null;
  }

  async load(options: { signal?: AbortSignal; onProgress?: (p: LoadProgress) => void } = {}): Promise<ModelInfo> {
    if (this.connected) return this.connected.info;
    options.onProgress?.({ fraction: 0, message: `connecting to Ollama at ${this.base}` });
    this.connecting ??= this.connect(options.signal).finally(() => (this.connecting = null));
    const connected = await this.connecting;
    options.onProgress?.({ fraction: 1, message: `connected to ${connected.info.name}` });
    return connected.info;
  }

  async infill(req: InfillRequest): Promise<GenerationResult> {
    const { connected, loadMs } = await this.ready(req.signal);
    let fim: Json;
    if (connected.nativeFim) {
      // Ollama's template places prompt and suffix; extra context rides in the prompt as comments.
      const extra = (req.extraContext ?? []).map((f) => commentHeader(f.path, req.path) + f.text + (f.text.endsWith("\n") ? "\n" : "\n\n")).join("");
      fim = { prompt: extra + req.cursor.prefix, suffix: req.cursor.suffix };
    } else if (connected.rawFim) {
      fim = { prompt: buildFimText(connected.rawFim, req), raw: true };
    } else {
      throw new FimUnsupportedError(`${connected.model} (its Ollama template takes no suffix; set "model.template" to the model's FIM template)`);
    }
    this.stats.infillCalls++;
    return this.stream("/api/generate", { model: connected.model, ...fim, ...this.common(req) }, req, generateChunk, loadMs);
  }

  async complete(req: CompleteRequest): Promise<GenerationResult> {
    const { connected, loadMs } = await this.ready(req.signal);
    this.stats.completeCalls++;
    const body = {
      model: connected.model,
      messages: req.messages.map((m) => ({ role: m.role, content: m.text })),
      ...(req.jsonSchema ? { format: req.jsonSchema } : {}),
      ...this.common(req),
    };
    return this.stream("/api/chat", body, req, chatChunk, loadMs);
  }

  async tokenize(): Promise<number[]> {
    throw new BackendError(`dhi: Ollama (${this.base}) has no tokenize endpoint; use countTokens() for budgets`);
  }

  /** An estimate (≈ 3.5 characters per token for code): Ollama exposes no tokenizer. */
  async countTokens(text: string): Promise<number> {
    return Math.ceil(text.length / 3.5);
  }

  async dispose(): Promise<void> {
    this.connected = null;
  }

  // ---- internals ----

  private async ready(signal?: AbortSignal): Promise<{ connected: Connected; loadMs: number }> {
    const t0 = performance.now();
    const wasLoaded = this.loaded;
    await this.load({ signal });
    if (!this.connected) throw new BackendError(`dhi: not connected to Ollama at ${this.base}`);
    return { connected: this.connected, loadMs: wasLoaded ? 0 : performance.now() - t0 };
  }

  private common(req: GenerateOptions): Json {
    const keepAlive = this.options.backend.keepAlive;
    return {
      stream: true,
      ...(keepAlive !== null ? { keep_alive: keepAlive } : {}),
      options: {
        temperature: req.temperature ?? 0,
        seed: req.seed ?? DEFAULT_SEED,
        num_predict: req.maxTokens ?? DEFAULT_MAX_TOKENS,
        ...(req.stop?.length ? { stop: req.stop } : {}),
      },
    };
  }

  private async http(path: string, body: unknown, signal?: AbortSignal, retries = this.options.retries): Promise<Response> {
    try {
      return await request(`${this.base}${path}`, {
        body,
        apiKey: this.options.backend.apiKey,
        signal,
        timeoutMs: this.options.timeoutMs,
        retries,
        backoffMs: this.options.backoffMs,
      });
    } catch (error) {
      if (error instanceof BackendError && error.message.includes("connection refused")) {
        throw new BackendError(`dhi: cannot connect to Ollama at ${this.base} (connection refused). Start it with \`ollama serve\`, or set "backend.url".`);
      }
      throw error;
    }
  }

  /** The models Ollama has pulled (/api/tags). */
  private async pulledModels(signal?: AbortSignal): Promise<string[]> {
    const tags = obj(await (await this.http("/api/tags", undefined, signal)).json());
    const models = Array.isArray(tags.models) ? tags.models : [];
    return models.map((m) => str(obj(m).name) || str(obj(m).model)).filter((n) => n !== "");
  }

  private notPulled(wanted: string, pulled: string[]): BackendError {
    const has = pulled.length > 0 ? `it has: ${pulled.slice(0, 10).join(", ")}` : "it has no models yet";
    return new BackendError(`dhi: Ollama at ${this.base} has no model "${wanted}" ("backend.model"); run \`ollama pull ${wanted}\` (${has})`);
  }

  private async connect(signal?: AbortSignal): Promise<Connected> {
    if (!/^https?:\/\//i.test(this.base)) throw new BackendError(`dhi: "backend.url" must start with http:// or https:// (got "${this.base}")`);
    const pulled = await this.pulledModels(signal);
    const wanted = this.options.backend.model?.trim();
    if (!wanted) {
      const has = pulled.length > 0 ? `Ollama has: ${pulled.slice(0, 10).join(", ")}` : "Ollama has no models yet (`ollama pull qwen2.5-coder:1.5b-base`)";
      throw new BackendError(`dhi: backend.type is "ollama" but "backend.model" is not set; ${has}`);
    }
    const model = pulled.find((n) => n === wanted || n === `${wanted}:latest`);
    if (!model) throw this.notPulled(wanted, pulled);
    const show = await this.show(model, signal);
    const capabilities = Array.isArray(show.capabilities) ? show.capabilities.filter((c): c is string => typeof c === "string") : null;
    // Older Ollama has no `capabilities`: a template that mentions .Suffix takes one.
    const takesSuffix = capabilities ? capabilities.includes("insert") : str(show.template).includes(".Suffix");
    const explicitTemplate = this.options.model.template.trim().toLowerCase() !== "auto";
    const rawFim = templateForServerModel(this.options.model.template, model);
    const nativeFim = takesSuffix && !explicitTemplate;
    const info: ModelInfo = {
      name: model,
      contextSize: contextLength(obj(show.model_info)) ?? this.options.model.contextSize,
      fim: nativeFim ? { name: "ollama", repoLevel: false } : rawFim ? { name: rawFim.name, repoLevel: rawFim.fileSep !== undefined, order: rawFim.order } : null,
      chatTemplate: "ollama",
      backend: "ollama",
    };
    this.options.logger.info(`connected to Ollama at ${this.base}: model ${model} (${nativeFim ? "FIM through suffix" : rawFim ? `raw FIM, ${rawFim.name} template` : "no FIM"})`);
    this.connected = { info, model, nativeFim, rawFim };
    return this.connected;
  }

  /** /api/show, or {} when this Ollama cannot say (the engine then guesses from the model name). */
  private async show(model: string, signal?: AbortSignal): Promise<Json> {
    try {
      return obj(await (await this.http("/api/show", { model }, signal, 0)).json());
    } catch (error) {
      if (error instanceof BackendError && error.status !== undefined && error.status !== 401 && error.status !== 403) return {};
      throw error;
    }
  }

  private async stream(path: string, body: Json, req: GenerateOptions, parse: (json: unknown) => StreamChunk, loadMs: number): Promise<GenerationResult> {
    const where = `${this.base}${path}`;
    const open = async (signal: AbortSignal): Promise<AsyncIterable<unknown>> => {
      let response: Response;
      try {
        response = await this.http(path, body, signal);
      } catch (error) {
        // The model was removed since we connected: say what Ollama still has.
        if (error instanceof BackendError && error.status === 404) {
          this.connected = null;
          throw this.notPulled(str(body.model), await this.pulledModels(signal).catch(() => []));
        }
        throw error;
      }
      if (!response.body) throw new BackendError(`dhi: ${where} sent no body`);
      return parseNdjson(response.body);
    };
    return streamGeneration({ open, parse, where: `${where} (backend.url)`, idleMs: this.options.idleTimeoutMs ?? 60_000, loadMs }, req);
  }
}

// ---- response shapes (docs/api.md in the Ollama repository) ----

function contextLength(modelInfo: Json): number | undefined {
  for (const [key, value] of Object.entries(modelInfo)) {
    if (key.endsWith(".context_length") && typeof value === "number" && value > 0) return value;
  }
  return undefined;
}

function ollamaChunk(j: Json, text: string): StreamChunk {
  if (typeof j.error === "string") throw new BackendError(`dhi: Ollama stopped with an error: ${j.error.split("\n")[0]}`);
  const done = j.done === true;
  const prompt = num(j.prompt_eval_count);
  const generated = num(j.eval_count);
  const usage = done ? { ...(prompt !== undefined ? { prompt, evaluated: prompt } : {}), ...(generated !== undefined ? { generated } : {}) } : undefined;
  return { text, done, finish: done ? (j.done_reason === "length" ? "length" : "stop") : null, usage };
}

function generateChunk(json: unknown): StreamChunk {
  const j = obj(json);
  return ollamaChunk(j, str(j.response));
}

function chatChunk(json: unknown): StreamChunk {
  const j = obj(json);
  return ollamaChunk(j, str(obj(j.message).content));
}
