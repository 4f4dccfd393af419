import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AbortError } from "../util/abort.js";
import type { Foreground } from "../util/foreground.js";
import { runInBackground } from "../util/priority.js";
import type { BulkUpdateResult } from "./bulkUpdate.js";

/** The bulk update to run: where the database and the workspace are, and which documents are open. */
export interface UpdateJob {
  dbFile: string;
  root: string;
  exclude: string[];
  maxFileBytes: number;
  extractionWorkers?: number;
  /** Open documents at the start; later changes come as "open" messages. */
  open: string[];
}

/** What the server sends the update process. */
export type ToUpdateProcess =
  | ({ type: "start"; busy: boolean } & UpdateJob)
  | { type: "open"; path: string; open: boolean }
  | { type: "busy"; busy: boolean }
  | { type: "abort" };

/** What the update process answers. */
export type FromUpdateProcess =
  | { type: "commit"; done: number; total: number; removedLabels: number[] }
  | { type: "done"; result: BulkUpdateResult }
  | { type: "failed"; message: string; aborted: boolean };

export interface UpdateProcessOptions extends UpdateJob {
  foreground?: Foreground;
  signal?: AbortSignal;
  onCommit: (done: number, total: number, removedLabels: number[]) => void;
}

/**
 * A bulk update (BulkUpdate.ts) in a child process of its own, at background priority, writing through its own
 * database connection: the language server's thread then only hears of each commit. Run in the server, the bulk
 * writes held it for up to ~100 ms at a time (FTS5 flushing at each commit, one large file's write, collecting
 * the extraction results), and measured during a first index of 22k files, completion latency P50 / P95 went
 * from 64-109 / 280-324 ms to about a third of that with the work in another process. The caller must not write
 * the database while it runs (WorkspaceIndex holds its write lock).
 */
export class UpdateProcess {
  readonly done: Promise<BulkUpdateResult>;
  private readonly child: ChildProcess;

  private constructor(options: UpdateProcessOptions, entry: string) {
    // Own flags only: the server's (say --inspect) must not be passed on.
    const child = fork(entry, [], { serialization: "advanced", execArgv: [], stdio: ["ignore", "ignore", "inherit", "ipc"] });
    this.child = child;
    runInBackground(child.pid);
    const unsubscribe = options.foreground?.onChange((busy) => this.send({ type: "busy", busy })) ?? (() => true);
    const onAbort = (): void => this.send({ type: "abort" });
    options.signal?.addEventListener("abort", onAbort, { once: true });
    this.done = new Promise<BulkUpdateResult>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | null, result?: BulkUpdateResult): void => {
        if (settled) return;
        settled = true;
        unsubscribe();
        options.signal?.removeEventListener("abort", onAbort);
        if (child.connected) child.disconnect();
        if (error) reject(error);
        else resolve(result as BulkUpdateResult);
      };
      child.on("message", (message: FromUpdateProcess) => {
        if (message.type === "commit") options.onCommit(message.done, message.total, message.removedLabels);
        else if (message.type === "done") settle(null, message.result);
        else settle(message.aborted ? new AbortError() : new Error(message.message));
      });
      child.on("error", (error) => settle(error));
      child.on("exit", (code, signal) => settle(new Error(`the index update process exited (${signal ?? `code ${code}`}) before it finished`)));
    });
    const { dbFile, root, exclude, maxFileBytes, extractionWorkers, open } = options;
    this.send({ type: "start", dbFile, root, exclude, maxFileBytes, extractionWorkers, open, busy: options.foreground?.busy ?? false });
    if (options.signal?.aborted) onAbort();
  }

  /** The child's entry, or null when it cannot run (TypeScript sources, as under vitest: update inline instead). */
  private static entry(): string | null {
    const entry = fileURLToPath(new URL("./updateWorker.js", import.meta.url));
    return import.meta.url.endsWith(".js") && existsSync(entry) ? entry : null;
  }

  static available(): boolean {
    return UpdateProcess.entry() !== null;
  }

  static start(options: UpdateProcessOptions): UpdateProcess {
    const entry = UpdateProcess.entry();
    if (!entry) throw new Error("the index update process is not available (no compiled updateWorker.js)");
    return new UpdateProcess(options, entry);
  }

  /** A document opened (its disk version must be left alone) or closed. */
  setOpen(path: string, open: boolean): void {
    this.send({ type: "open", path, open });
  }

  private send(message: ToUpdateProcess): void {
    if (this.child.connected) this.child.send(message, undefined, undefined, () => undefined);
  }
}
