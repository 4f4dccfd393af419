import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { LanguageName } from "../syntax/index.js";
import type { PreparedFile } from "./prepareFile.js";

type Reply = { id: number; file: PreparedFile } | { id: number; error: string };

interface Waiter {
  resolve: (file: PreparedFile) => void;
  reject: (error: Error) => void;
}

/**
 * Worker threads that parse and chunk files while the main thread reads files and writes SQLite. Available only
 * when running compiled JavaScript (a worker cannot load the TypeScript sources vitest runs); callers fall back
 * to prepareFile() inline when `create` returns null.
 */
export class ExtractionPool {
  private next = 1;
  private turn = 0;
  private readonly waiters = new Map<number, Waiter>();
  private readonly owner = new Map<number, Worker>();

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on("message", (reply: Reply) => {
        const waiter = this.waiters.get(reply.id);
        if (!waiter) return;
        this.waiters.delete(reply.id);
        this.owner.delete(reply.id);
        this.idleCheck();
        if ("error" in reply) waiter.reject(new Error(reply.error));
        else waiter.resolve(reply.file);
      });
      const fail = (error: Error): void => {
        for (const [id, w] of this.owner) {
          if (w !== worker) continue;
          this.waiters.get(id)?.reject(error);
          this.waiters.delete(id);
          this.owner.delete(id);
        }
        const i = this.workers.indexOf(worker);
        if (i >= 0) this.workers.splice(i, 1);
        this.idleCheck();
      };
      worker.on("error", fail);
      worker.on("exit", () => fail(new Error("an extraction worker exited")));
      worker.unref();
    }
  }

  /** Idle workers must not keep the process alive; busy ones must, or an awaited job could be dropped at exit. */
  private idleCheck(): void {
    if (this.waiters.size === 0) for (const w of this.workers) w.unref();
  }

  /** Defaults to one worker per core: parsing dominates, and the main thread's SQLite writes take a fraction of a core. */
  static create(size = Math.max(1, availableParallelism())): ExtractionPool | null {
    const entry = new URL("./extractWorker.js", import.meta.url);
    if (!import.meta.url.endsWith(".js") || !existsSync(fileURLToPath(entry))) return null;
    return new ExtractionPool(Array.from({ length: size }, () => new Worker(entry)));
  }

  get size(): number {
    return this.workers.length;
  }

  prepare(text: string, language: LanguageName | null): Promise<PreparedFile> {
    if (this.workers.length === 0) return Promise.reject(new Error("no extraction workers left"));
    const worker = this.workers[this.turn++ % this.workers.length];
    const id = this.next++;
    if (this.waiters.size === 0) for (const w of this.workers) w.ref();
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.owner.set(id, worker);
      worker.postMessage({ id, text, language });
    });
  }

  async dispose(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
