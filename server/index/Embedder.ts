import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { EMBED_WORKER_SOURCE } from "./embedWorkerSource.js";
import type { EmbeddingModel } from "./embeddingReadiness.js";

type WorkerMessage =
  | { type: "ready"; dims: number }
  | { type: "error"; message: string }
  | { type: "result"; id: number; dims: number; data: Float32Array }
  | { type: "failed"; id: number; message: string };

export interface EmbedderOptions {
  /** ONNX Runtime threads. Defaults to all cores but one (at least one), so the LSP keeps a core. */
  threads?: number;
  /** transformers.js's entry file (resolveEmbeddingRuntime). */
  runtimePath: string;
}

/** Embeds text in a worker thread so the language server's event loop never waits on ONNX Runtime. */
export class Embedder {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }>();
  private disposed = false;

  private constructor(private readonly worker: Worker, readonly dims: number) {
    worker.on("message", (msg: WorkerMessage) => {
      if (msg.type !== "result" && msg.type !== "failed") return;
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.type === "failed") waiter.reject(new Error(`embedding failed: ${msg.message}`));
      else {
        const out: Float32Array[] = [];
        for (let i = 0; i < msg.data.length; i += msg.dims) out.push(msg.data.subarray(i, i + msg.dims));
        waiter.resolve(out);
      }
    });
    const failAll = (error: Error): void => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on("error", failAll);
    worker.on("exit", () => failAll(new Error("the embedding worker exited")));
  }

  /** Starts the worker and loads the model; rejects with the loader's message when the model cannot load. */
  static async start(model: EmbeddingModel, options: EmbedderOptions): Promise<Embedder> {
    const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
    const worker = new Worker(EMBED_WORKER_SOURCE, {
      eval: true,
      workerData: {
        transformersPath: options.runtimePath,
        localModelPath: model.localModelPath,
        name: model.name,
        dtype: model.dtype,
        threads,
      },
    });
    const dims = await new Promise<number>((resolve, reject) => {
      const onMessage = (msg: WorkerMessage): void => {
        if (msg.type === "ready") resolve(msg.dims);
        else if (msg.type === "error") reject(new Error(msg.message));
        else return;
        worker.off("message", onMessage);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the embedding worker exited with code ${code}`)));
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new Embedder(worker, dims);
  }

  /** One vector per text (mean-pooled, L2-normalised). */
  embed(texts: string[]): Promise<Float32Array[]> {
    if (this.disposed) return Promise.reject(new Error("the embedder is disposed"));
    if (texts.length === 0) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, texts });
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.worker.terminate();
  }
}
