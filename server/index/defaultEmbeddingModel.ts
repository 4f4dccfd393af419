import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { modelCacheDir } from "../util/paths.js";

// The embedding model `index.embeddingModel: "default"` means, and its download into the model cache.
// Chosen from published figures (bench/embedding-models.md): a BERT-class encoder trained for code search,
// with a quantized ONNX export that transformers.js runs. The tiny test embedder (`dhi-embed-tiny`) is
// never the default: tests select it explicitly.

export const DEFAULT_EMBEDDING_MODEL = {
  id: "jinaai/jina-embeddings-v2-base-code",
  /** Pinned, so every user embeds with the same weights. */
  revision: "d48351a9862904a2742bb06ec6ae4bd9718dbbdf",
  /** The files transformers.js loads, config.json last: a folder with it is complete (see modelAt). */
  files: ["onnx/model_quantized.onnx", "tokenizer.json", "tokenizer_config.json", "config.json"],
} as const;

/** Where the default model lives once pulled: `<cache>/models/<owner>/<name>`. */
export function defaultEmbeddingModelDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(modelCacheDir(env), DEFAULT_EMBEDDING_MODEL.id);
}

export interface PullProgress {
  file: string;
  downloaded: number;
  /** 0 when the server sent no length. */
  total: number;
}

export interface PullOptions {
  env?: NodeJS.ProcessEnv;
  /** The Hugging Face endpoint, ending in "/" (HF_ENDPOINT). */
  endpoint?: string;
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
}

/** The hub endpoint: HF_ENDPOINT / MODEL_ENDPOINT as for the GGUF models, else the public hub. */
export function huggingFaceEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.HF_ENDPOINT ?? env.MODEL_ENDPOINT ?? "https://huggingface.co/";
  return url.endsWith("/") ? url : `${url}/`;
}

/**
 * Downloads the default embedding model into the model cache, file by file (each through a `.part` file, so
 * an interrupted pull never leaves a file that looks complete), skipping files already there. Returns the
 * model folder. Rejects with the network error or an HTTP status naming the file.
 */
export async function pullDefaultEmbeddingModel(options: PullOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const dir = defaultEmbeddingModelDir(env);
  const base = `${options.endpoint ?? huggingFaceEndpoint(env)}${DEFAULT_EMBEDDING_MODEL.id}/resolve/${DEFAULT_EMBEDDING_MODEL.revision}/`;
  for (const file of DEFAULT_EMBEDDING_MODEL.files) {
    const target = join(dir, file);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    const stall = new StallWatchdog(options.signal);
    try {
      await download(base + file, target, stall.signal, (downloaded, total) => {
        stall.progressed();
        options.onProgress?.({ file, downloaded, total });
      });
    } catch (error) {
      throw stall.stalled ? Object.assign(new Error(`no progress for ${STALL_MS / 1000} s`), { code: "ETIMEDOUT", cause: error }) : error;
    } finally {
      stall.stop();
    }
  }
  return dir;
}

/** Time without a response or a byte before a download gives up. */
const STALL_MS = 30_000;

/** Aborts when nothing arrived for STALL_MS, or when the caller's signal aborts. */
class StallWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  stalled = false;
  readonly signal: AbortSignal;

  constructor(outer?: AbortSignal) {
    this.signal = outer ? AbortSignal.any([outer, this.controller.signal]) : this.controller.signal;
    this.progressed();
  }

  progressed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.controller.abort();
    }, STALL_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** One file to `target` through `target.part`. */
async function download(url: string, target: string, signal: AbortSignal, onBytes: (downloaded: number, total: number) => void): Promise<void> {
  const response = await fetch(url, { signal, redirect: "follow" });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
  }
  const total = Number(response.headers.get("content-length") ?? 0);
  let downloaded = 0;
  const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
  body.on("data", (chunk: Buffer) => {
    downloaded += chunk.length;
    onBytes(downloaded, total);
  });
  const part = `${target}.part`;
  try {
    await pipeline(body, createWriteStream(part), { signal });
  } catch (error) {
    rmSync(part, { force: true });
    throw error;
  }
  renameSync(part, target);
}
