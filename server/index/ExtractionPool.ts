import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { LanguageName } from "../syntax/index.js";
import { FOREGROUND_MAX_WAIT_MS, type Foreground } from "../util/foreground.js";
import { runInBackground } from "../util/priority.js";
import type { FileJob, FileStat, KnownFile } from "./examineFile.js";
import type { PreparedFile } from "./prepareFile.js";

/** One changed file for a child to read, examine and (when it needs indexing) parse. */
export interface ExtractionJob {
  id: number;
  /** The workspace root: the child reads `path` through the safe reader, which keeps it inside. */
  root: string;
  path: string;
  known: KnownFile | undefined;
  info: FileStat;
  maxFileBytes: number;
  language: LanguageName | null;
}

/** An open document's text for a child to parse as given (the editor's text, not the disk's). */
export interface TextJob {
  id: number;
  text: string;
  language: LanguageName | null;
}

/** What examineFile decided, with the parsed file for an index job (whose `text` is then left empty). */
export interface Examined {
  job: FileJob | null;
  file: PreparedFile | null;
  problem: string | null;
}

export type ExtractionReply = ({ id: number } & Examined) | { id: number; error: string };

interface Waiter {
  resolve: (result: Examined) => void;
  reject: (error: Error) => void;
}

/**
 * Jobs a child holds at once (~100 ms of work): enough to keep it busy while the main thread is inside a write
 * slice or a commit, few enough that a child stuck on a run of large files does not sit on work the other could
 * take. Dealt round-robin up front instead, one child often held 250 jobs while the other had none (measured:
 * on-demand dealing indexed 4-20% faster).
 */
const JOBS_PER_CHILD = 32;

/** How long dispose() waits for a child to exit after closing its channel before killing it. */
export const EXIT_GRACE_MS = 2_000;

/**
 * Child processes that read, hash, parse and chunk changed files while the bulk update writes SQLite (see
 * extractWorker.ts for why processes), at background priority. Available only when running compiled JavaScript
 * (a child cannot load the TypeScript sources vitest runs); callers fall back to prepareFile() inline when
 * `create` returns null.
 */
export class ExtractionPool {
  private next = 1;
  private readonly waiters = new Map<number, Waiter>();
  /** The child working on each sent job. */
  private readonly owner = new Map<number, ChildProcess>();
  private readonly load = new Map<ChildProcess, number>();
  /** Jobs not yet sent, oldest first: each goes to the first child with room. */
  private readonly queue: Array<ExtractionJob | TextJob> = [];
  /** Since when dispatching has waited for the foreground; null when it is not waiting. */
  private heldSince: number | null = null;
  /** Ends a wait for the foreground that runs too long. */
  private resume: NodeJS.Timeout | null = null;
  private readonly unsubscribe: () => void;

  private constructor(private readonly children: ChildProcess[], private readonly foreground?: Foreground) {
    this.unsubscribe = foreground?.onChange((busy) => {
      if (!busy) this.release();
    }) ?? (() => undefined);
    for (const child of children) {
      this.load.set(child, 0);
      child.on("message", (reply: ExtractionReply) => {
        const waiter = this.waiters.get(reply.id);
        if (!waiter) return;
        this.waiters.delete(reply.id);
        this.owner.delete(reply.id);
        this.load.set(child, (this.load.get(child) ?? 1) - 1);
        this.dispatch();
        if ("error" in reply) waiter.reject(new Error(reply.error));
        else waiter.resolve(reply);
      });
      const fail = (): void => {
        const i = this.children.indexOf(child);
        if (i >= 0) this.children.splice(i, 1);
        this.load.delete(child);
        for (const [id, c] of this.owner) {
          if (c !== child) continue;
          this.waiters.get(id)?.reject(new Error("an extraction process exited"));
          this.waiters.delete(id);
          this.owner.delete(id);
        }
        if (this.children.length === 0) {
          for (const job of this.queue.splice(0)) {
            this.waiters.get(job.id)?.reject(new Error("no extraction processes left"));
            this.waiters.delete(job.id);
          }
        }
      };
      child.on("error", fail);
      child.on("exit", fail);
    }
  }

  /** Defaults to one process per core: parsing dominates, and the main thread's SQLite writes take a fraction of a core. */
  static create(size = Math.max(1, availableParallelism()), foreground?: Foreground): ExtractionPool | null {
    const entry = fileURLToPath(new URL("./extractWorker.js", import.meta.url));
    if (!import.meta.url.endsWith(".js") || !existsSync(entry)) return null;
    return new ExtractionPool(Array.from({ length: size }, () => {
      const child = fork(entry, [], { serialization: "advanced", execArgv: ["--expose-gc"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
      runInBackground(child.pid);
      return child;
    }), foreground);
  }

  get size(): number {
    return this.children.length;
  }

  examine(job: Omit<ExtractionJob, "id">): Promise<Examined> {
    return this.enqueue(job);
  }

  /** Parses `text` (an open document's) in a child; the result is what prepareFile() would give here. */
  async prepare(text: string, language: LanguageName | null): Promise<PreparedFile> {
    const examined = await this.enqueue({ text, language });
    if (!examined.file) throw new Error(examined.problem ?? "the extraction process returned no file");
    return examined.file;
  }

  /** Queues a job for the first child with room; settles with its reply. */
  private enqueue(job: Omit<ExtractionJob, "id"> | Omit<TextJob, "id">): Promise<Examined> {
    if (this.children.length === 0) return Promise.reject(new Error("no extraction processes left"));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.queue.push({ id, ...job });
      this.dispatch();
    });
  }

  /**
   * Sends queued jobs to the least loaded children while they have room. While the editor's requests run, new
   * jobs wait (up to FOREGROUND_MAX_WAIT_MS): every result costs this process deserialization work, and measured
   * during a first index, completion latency P50 halved when the results stopped arriving meanwhile.
   */
  private dispatch(): void {
    if (this.queue.length > 0 && this.foreground?.busy) {
      this.heldSince ??= performance.now();
      const left = FOREGROUND_MAX_WAIT_MS - (performance.now() - this.heldSince);
      if (left > 0) {
        // Sent again when the foreground goes idle, or when the wait is over.
        this.resume ??= setTimeout(() => this.release(), left);
        return;
      }
    } else {
      this.heldSince = null;
    }
    while (this.queue.length > 0) {
      let child: ChildProcess | null = null;
      let least = JOBS_PER_CHILD;
      for (const c of this.children) {
        const load = this.load.get(c) ?? JOBS_PER_CHILD;
        if (load < least) {
          child = c;
          least = load;
        }
      }
      if (!child) return;
      const job = this.queue.shift() as ExtractionJob | TextJob;
      this.owner.set(job.id, child);
      this.load.set(child, least + 1);
      child.send(job);
    }
  }

  /** Ends a wait for the foreground and sends what was held. */
  private release(): void {
    if (this.resume) clearTimeout(this.resume);
    this.resume = null;
    this.dispatch();
  }

  /** Closes the children's channels (each then exits); a child still there after EXIT_GRACE_MS is killed. */
  async dispose(): Promise<void> {
    this.unsubscribe();
    if (this.resume) clearTimeout(this.resume);
    this.resume = null;
    const children = this.children.splice(0);
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // Seen in CI: after a failed write closed the pool mid-update, one child stayed alive and idle with the
      // parent's end of its channel still open, and the update waited for it for good. A child holds nothing
      // worth waiting for, so the wait is bounded.
      const kill = setTimeout(() => child.kill("SIGKILL"), EXIT_GRACE_MS);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      if (child.connected) child.disconnect();
    })));
  }
}
