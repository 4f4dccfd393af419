import type { ChildProcess } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { getPriority } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSettings } from "../../server/config/schema.js";
import type { DocumentParser } from "../../server/index/DocumentParser.js";
import type { ExtractionPool } from "../../server/index/ExtractionPool.js";
import type { WorkspaceIndex } from "../../server/index/WorkspaceIndex.js";
import { openIndex } from "../../server/index/openIndex.js";
import { FOREGROUND_MAX_WAIT_MS, ForegroundWork, type Foreground } from "../../server/util/foreground.js";
import { Logger } from "../../server/util/logger.js";
import { distForChildren } from "./distForChildren.js";
import { OFF_THREAD_PARSE_BYTES } from "../../server/index/IndexUpdates.js";
import { prepareFile } from "../../server/index/prepareFile.js";
import { childProcessOf, makeWorkspace, openTestIndex, updateProcessOf } from "./helpers.js";

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TypeScript document over OFF_THREAD_PARSE_BYTES whose function names carry `n`. */
function bigDocument(n: number): string {
  return Array.from({ length: 3000 }, (_, i) => `export function v${n}x${i}(x: number): number {\n  return x + ${i};\n}\n`).join("");
}

/** Polls `done` every 50 ms until it holds (the test's timeout bounds the wait). */
async function waitFor(done: () => boolean): Promise<void> {
  while (!done()) await settle(50);
}

/** A foreground the test switches by hand. */
class ManualForeground implements Foreground {
  private isBusy = false;
  waits = 0;
  private release: Array<() => void> = [];
  private readonly listeners = new Set<(busy: boolean) => void>();
  get busy(): boolean {
    return this.isBusy;
  }
  set busy(busy: boolean) {
    this.isBusy = busy;
    for (const listener of this.listeners) listener(busy);
  }
  whenIdle(): Promise<void> {
    this.waits++;
    if (!this.isBusy) return Promise.resolve();
    return new Promise((resolve) => this.release.push(resolve));
  }
  onChange(listener: (busy: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  idle(): void {
    this.busy = false;
    for (const r of this.release.splice(0)) r();
  }
}

/** Opens an index over `files` (with `open`: the sources' or the built server's) and a hand-switched foreground. */
async function withIndex(
  open: typeof openIndex, files: Record<string, string>,
  run: (index: WorkspaceIndex, fg: ManualForeground, ws: ReturnType<typeof makeWorkspace>) => Promise<void>,
  options: Pick<Parameters<typeof openIndex>[0], "documentParserIdleMs"> = {},
): Promise<void> {
  const ws = makeWorkspace(files);
  const fg = new ManualForeground();
  const index = await open({ root: ws.root, settings: defaultSettings(), logger: new Logger("error"), env: { DHI_CACHE_DIR: ws.cache }, embeddings: false, foreground: fg, ...options });
  try {
    await run(index, fg, ws);
  } finally {
    await index.dispose();
    ws.cleanup();
  }
}

describe("ForegroundWork", () => {
  it("is busy while work runs and wakes waiters when the last piece ends", async () => {
    const fg = new ForegroundWork();
    await fg.whenIdle(10_000); // idle: at once
    let finish = (): void => undefined;
    const running = fg.run(() => new Promise<string>((resolve) => (finish = () => resolve("done"))));
    expect(fg.busy, JSON.stringify(fg)).toBe(true);
    let woke = false;
    const waiting = fg.whenIdle(10_000).then(() => (woke = true));
    await settle(30);
    expect(woke).toBe(false);
    finish();
    expect(await running).toBe("done");
    await waiting;
    expect(fg.busy).toBe(false);
  });

  it("lets a waiter go after maxWaitMs even while work still runs, and counts failed work as ended", async () => {
    const fg = new ForegroundWork();
    let finish = (): void => undefined;
    const running = fg.run(() => new Promise<void>((_, reject) => (finish = () => reject(new Error("boom")))));
    const t = performance.now();
    await fg.whenIdle(50);
    expect(performance.now() - t).toBeGreaterThanOrEqual(45);
    expect(fg.busy, JSON.stringify(fg)).toBe(true);
    finish();
    await expect(running).rejects.toThrow("boom");
    expect(fg.busy).toBe(false);
  });
});

describe("indexing steps aside for the editor's requests", () => {
  it("a bulk update waits while the foreground is busy and goes on when it is idle", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 80; i++) files[`src/m${i}.ts`] = `export function f${i}(x: number): number {\n  return x + ${i};\n}\n`;
    await withIndex(openIndex, files, async (index, fg) => {
      fg.busy = true;
      let done = false;
      const update = index.update().then((stats) => ((done = true), stats));
      await settle(200);
      expect(done).toBe(false);
      expect(fg.waits).toBeGreaterThan(0);
      fg.idle();
      expect((await update).files).toBe(80);
    });
  });

  it("a rescan requested while an update runs scans again after it; a plain update joins it", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`src/m${i}.ts`] = `export function f${i}(x: number): number {\n  return x + ${i};\n}\n`;
    await withIndex(openIndex, files, async (index, fg, ws) => {
      fg.busy = true; // holds the first run after its walk
      const first = index.update();
      await settle(150);
      writeFileSync(join(ws.root, "src/late.ts"), "export const late = 1;\n");
      const joined = index.update();
      expect(joined).toBe(first);
      const rescan = index.update({ rescan: true });
      expect(index.update()).toBe(rescan); // not begun yet: later calls join it
      fg.idle();
      expect((await first).files).toBe(40);
      expect((await rescan).files).toBe(41);
    });
  });

  it("an open document's re-index waits while the foreground is busy (its parse would delay a completion)", async () => {
    await withIndex(openIndex, { "a.ts": "export const a = 1;\n" }, async (index, fg) => {
      await index.update();
      fg.busy = true;
      let written = false;
      const edit = index.updateFile("a.ts", "export function typedInTheEditor(): number {\n  return 1;\n}\n").then(() => (written = true));
      await settle(100);
      expect(written).toBe(false);
      expect(index.chunksOf("a.ts").map((c) => c.symbol)).not.toContain("typedInTheEditor");
      fg.idle();
      await edit;
      expect(index.chunksOf("a.ts").map((c) => c.symbol)).toContain("typedInTheEditor");
    });
  });

  it("without a foreground it indexes as before", async () => {
    const ws = makeWorkspace({ "a.ts": "export const a = 1;\n" });
    const index = await openTestIndex(ws.root, ws.cache);
    try {
      expect((await index.update()).files).toBe(1);
    } finally {
      await index.dispose();
      ws.cleanup();
    }
  });
});

describe("bulk updates in the update process (the built server)", () => {
  let dist: string;
  let cleanup = (): void => undefined;
  let openBuilt: typeof openIndex;
  beforeAll(async () => {
    ({ dist, cleanup } = distForChildren());
    ({ openIndex: openBuilt } = (await import(join(dist, "index", "openIndex.js"))) as { openIndex: typeof openIndex });
  }, 120_000);
  afterAll(() => cleanup());

  const files = (n: number): Record<string, string> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`src/m${i}.ts`, `export function f${i}(x: number): number {\n  return x + ${i};\n}\n`]));

  it("steps aside while the server's foreground is busy, and an editor's text written meanwhile wins over the disk", async () => {
    await withIndex(openBuilt, files(300), async (index, fg) => {
      fg.busy = true;
      const progress: number[] = [];
      const update = index.update({ onProgress: (p) => p.message === "Indexing files" && progress.push(p.done) });
      await settle(400);
      // Held by the busy foreground: nothing committed yet, and an edit waits for the bulk update to finish.
      const updater = updateProcessOf(process.pid);
      expect(updater).not.toBeNull();
      expect(getPriority(updater as number)).toBe(19); // background priority, like its extraction processes
      expect(index.stats().files).toBe(0);
      let edited = false;
      const edit = index.updateFile("src/m7.ts", "export function editedInTheEditor(): number {\n  return 7;\n}\n").then(() => (edited = true));
      await settle(50);
      expect(edited).toBe(false);
      fg.idle();
      await update; // the open documents' disk versions were left to their queued edits
      await edit;
      expect(index.stats().files).toBe(300);
      expect(progress.at(-1)).toBe(300);
      expect(index.chunksOf("src/m7.ts").map((c) => c.symbol)).toEqual(["editedInTheEditor"]);
      expect(index.consistencyProblems()).toEqual([]);
    });
  });

  it("parses a large open document in an extraction process, not on the server's thread", async () => {
    await withIndex(openBuilt, files(3), async (index, fg) => {
      await index.update();
      const text = Array.from({ length: 3000 }, (_, i) => `export function big${i}(x: number): number {\n  return x + ${i};\n}\n`).join("");
      expect(Buffer.byteLength(text)).toBeGreaterThan(OFF_THREAD_PARSE_BYTES);
      // A busy foreground holds the job in its extraction process, so the process is there to be seen.
      fg.busy = true;
      const edit = index.updateFile("src/big.ts", text);
      await settle(300);
      expect(childProcessOf(process.pid, "extractWorker.js")).not.toBeNull();
      fg.idle();
      await edit;
      expect(index.chunksOf("src/big.ts").length).toBeGreaterThan(0);
      expect(index.definitions("big0").map((d) => d.path)).toEqual(["src/big.ts"]);
      expect(index.definitions("big2999").map((d) => d.path)).toEqual(["src/big.ts"]);
      expect(index.consistencyProblems()).toEqual([]);
      // A small edit right after a large one, whose parse in the other process takes longer: the later one wins.
      const large = index.updateFile("src/big.ts", `${text}export function later(): number {\n  return 0;\n}\n`);
      const small = index.updateFile("src/big.ts", "export function last(): number {\n  return 2;\n}\n");
      await Promise.all([large, small]);
      expect(index.definitions("last").map((d) => d.path)).toEqual(["src/big.ts"]);
      expect(index.definitions("big0")).toEqual([]);
      // A small document is parsed here, as before: no process for it.
      await index.updateFile("src/m1.ts", "export function small(): number {\n  return 1;\n}\n");
      expect(index.chunksOf("src/m1.ts").map((c) => c.symbol)).toEqual(["small"]);
    });
  });

  it("keeps one parser process for a large document's typing pauses, a new one after it died, none after the index", async () => {
    await withIndex(openBuilt, files(3), async (index) => {
      await index.updateFile("src/big.ts", bigDocument(1));
      const parser = childProcessOf(process.pid, "extractWorker.js");
      expect(parser).not.toBeNull();
      await index.updateFile("src/big.ts", bigDocument(2));
      // The next pause's parse went to the same process, not a new one.
      expect(childProcessOf(process.pid, "extractWorker.js")).toBe(parser);
      expect(index.definitions("v2x2999").map((d) => d.path)).toEqual(["src/big.ts"]);
      expect(index.definitions("v1x0")).toEqual([]);
      // Killed (OOM, a signal) just before the next pause, whose parse reaches it before its exit is noticed: that
      // parse fails at once and goes to a new process, not to the server's thread.
      process.kill(parser as number, "SIGKILL");
      await index.updateFile("src/big.ts", bigDocument(3));
      const second = childProcessOf(process.pid, "extractWorker.js");
      expect(second).not.toBeNull();
      expect(second).not.toBe(parser);
      expect(index.definitions("v3x0").map((d) => d.path)).toEqual(["src/big.ts"]);
    }, { documentParserIdleMs: 600_000 });
    // Disposing the index stopped it long before its idle time was up.
    expect(childProcessOf(process.pid, "extractWorker.js")).toBeNull();
  });

  it("lets the large-document parser process exit once idle; the next pause still indexes", async () => {
    await withIndex(openBuilt, files(3), async (index) => {
      await index.updateFile("src/big.ts", bigDocument(1));
      expect(childProcessOf(process.pid, "extractWorker.js")).not.toBeNull();
      await waitFor(() => childProcessOf(process.pid, "extractWorker.js") === null);
      await index.updateFile("src/big.ts", bigDocument(2));
      expect(index.definitions("v2x0").map((d) => d.path)).toEqual(["src/big.ts"]);
    }, { documentParserIdleMs: 2_000 });
  });

  it("closes a document after its queued updates: the disk's version is indexed, and the file is no longer open", async () => {
    await withIndex(openBuilt, files(3), async (index, fg, ws) => {
      await index.update();
      writeFileSync(join(ws.root, "src/big.ts"), "export function onDisk(): number {\n  return 1;\n}\n");
      // The first pause's parse is held in its process (busy foreground); the next pause and the close queue behind it.
      fg.busy = true;
      const first = index.updateFile("src/big.ts", bigDocument(1));
      const second = index.updateFile("src/big.ts", bigDocument(2));
      const closed = index.closeFile("src/big.ts");
      await settle(300);
      fg.idle();
      await Promise.all([first, second, closed]);
      // Neither unsaved text stayed: the close came last.
      expect(index.definitions("v1x0")).toEqual([]);
      expect(index.definitions("v2x0")).toEqual([]);
      expect(index.definitions("onDisk").map((d) => d.path)).toEqual(["src/big.ts"]);
      // Closed for good: a change on disk is picked up (an open document's disk changes are not).
      writeFileSync(join(ws.root, "src/big.ts"), "export function changedOnDisk(): number {\n  return 2;\n}\n");
      await index.refreshFromDisk(["src/big.ts"]);
      expect(index.definitions("changedOnDisk").map((d) => d.path)).toEqual(["src/big.ts"]);
    });
  });

  it("writes edits queued behind a bulk update in order: typed then undone ends as it was", async () => {
    await withIndex(openBuilt, files(100), async (index, fg) => {
      await index.update();
      fg.busy = true;
      const update = index.update({ rescan: true }); // held at its first batch
      await settle(300);
      const typed = index.updateFile("src/m8.ts", "export function typedThenUndone(): number {\n  return 8;\n}\n");
      const undone = index.updateFile("src/m8.ts", files(100)["src/m8.ts"]);
      fg.idle();
      await Promise.all([update, typed, undone]);
      expect(index.chunksOf("src/m8.ts").map((c) => c.symbol)).toEqual(["f8"]);
    });
  });

  it("stops on abort, keeping whole files, and the next update completes", async () => {
    await withIndex(openBuilt, files(400), async (index, fg) => {
      fg.busy = true;
      const controller = new AbortController();
      const update = index.update({ signal: controller.signal });
      await settle(300);
      controller.abort();
      fg.idle();
      await expect(update).rejects.toMatchObject({ name: "AbortError" });
      expect(index.stats().files).toBeLessThan(400);
      expect(index.consistencyProblems()).toEqual([]);
      expect((await index.update()).files).toBe(400);
    });
  });
});

describe("extraction processes and the foreground", () => {
  let dist: string;
  let cleanup = (): void => undefined;
  let Pool: typeof ExtractionPool;
  let Parser: typeof DocumentParser;
  beforeAll(async () => {
    ({ dist, cleanup } = distForChildren());
    ({ ExtractionPool: Pool } = (await import(join(dist, "index", "ExtractionPool.js"))) as { ExtractionPool: typeof ExtractionPool });
    ({ DocumentParser: Parser } = (await import(join(dist, "index", "DocumentParser.js"))) as { DocumentParser: typeof DocumentParser });
  }, 120_000);
  afterAll(() => cleanup());

  const jobFor = (ws: { root: string }, name: string) => {
    const abs = join(ws.root, name);
    const info = statSync(abs);
    return { root: ws.root, path: name, known: undefined, info: { mtime: Math.floor(info.mtimeMs), size: info.size }, maxFileBytes: 1 << 20, language: "python" as const };
  };

  it("parse an open document's text as given, exactly as prepareFile does here", async () => {
    const pool = Pool.create(1);
    expect(pool).not.toBeNull();
    try {
      const text = "import os\n\n\ndef a(path):\n    return os.path.join(path, 'x')\n\n\nclass B:\n    def c(self):\n        return a('.')\n";
      expect(await pool!.prepare(text, "python")).toEqual(prepareFile(text, "python"));
    } finally {
      await pool!.dispose();
    }
  });

  it("run at the lowest CPU priority, and hold new jobs while the foreground is busy (bounded)", async () => {
    const ws = makeWorkspace({});
    writeFileSync(join(ws.root, "a.py"), "def a():\n    return 1\n");
    const fg = new ManualForeground();
    const pool = Pool.create(1, fg);
    expect(pool).not.toBeNull();
    try {
      const children = (pool as unknown as { children: ChildProcess[] }).children;
      expect(children.map((c) => getPriority(c.pid))).toEqual([19]);

      // Idle foreground: the job runs.
      expect((await pool!.examine(jobFor(ws, "a.py"))).file?.extraction.symbols.map((s) => s.name)).toEqual(["a"]);

      // Busy foreground: held, then sent once it is idle.
      fg.busy = true;
      let answered = false;
      const held = pool!.examine(jobFor(ws, "a.py")).then((r) => ((answered = true), r));
      await settle(300);
      expect(answered).toBe(false);
      fg.idle();
      expect((await held).file).not.toBeNull();

      // A foreground that stays busy delays jobs by at most FOREGROUND_MAX_WAIT_MS.
      fg.busy = true;
      const t = performance.now();
      await pool!.examine(jobFor(ws, "a.py"));
      const waited = performance.now() - t;
      expect(waited).toBeGreaterThanOrEqual(FOREGROUND_MAX_WAIT_MS - 50);
      expect(waited).toBeLessThan(FOREGROUND_MAX_WAIT_MS + 3000);
    } finally {
      await pool?.dispose();
      ws.cleanup();
    }
  });

  it("document parser: a text whose process dies twice is refused, not parsed here; a hung parse is stopped", async () => {
    const fg = new ManualForeground();
    const parser = new Parser({ foreground: fg, timeoutMs: 60_000 });
    try {
      // Each attempt is held in its process (busy foreground), then that process is killed, as an OOM would.
      fg.busy = true;
      const dying = parser.parse(bigDocument(1), "typescript").then(() => null, (error: Error) => error);
      for (let kill = 0; kill < 2; kill++) {
        let pid: number | null = null;
        await waitFor(() => (pid = childProcessOf(process.pid, "extractWorker.js")) !== null);
        process.kill(pid as unknown as number, "SIGKILL");
        await waitFor(() => childProcessOf(process.pid, "extractWorker.js") !== pid);
      }
      expect((await dying)?.message).toMatch(/extraction process/);
      fg.idle();
      // The next text gets a new process.
      expect((await parser.parse("export const a = 1;\n", "typescript"))?.extraction.symbols.map((s) => s.name)).toEqual(["a"]);
    } finally {
      await parser.dispose();
    }
    const hanging = new Parser({ foreground: fg, timeoutMs: 500 });
    try {
      fg.busy = true; // held past the timeout, as a parse that never ends
      await expect(hanging.parse(bigDocument(2), "typescript")).rejects.toThrow(/ran over/);
      await waitFor(() => childProcessOf(process.pid, "extractWorker.js") === null);
      fg.idle();
      expect(await hanging.parse("export const b = 2;\n", "typescript")).not.toBeNull();
    } finally {
      await hanging.dispose();
    }
    // Disposed: nothing runs, and the caller is told to parse itself.
    expect(await hanging.parse("export const c = 3;\n", "typescript")).toBeNull();
  }, 60_000);

  it("close: a child exits when its channel closes, and one that does not is killed instead of waited for", async () => {
    const ws = makeWorkspace({});
    writeFileSync(join(ws.root, "a.py"), "def a():\n    return 1\n");
    try {
      const closing = Pool.create(1);
      const [child] = (closing as unknown as { children: ChildProcess[] }).children;
      await closing!.examine(jobFor(ws, "a.py"));
      await closing!.dispose();
      expect([child?.exitCode, child?.signalCode]).toEqual([0, null]);

      // A child that cannot exit (stopped here; in CI one stayed idle with its channel half closed) is killed.
      const stuck = Pool.create(1);
      const [frozen] = (stuck as unknown as { children: ChildProcess[] }).children;
      await stuck!.examine(jobFor(ws, "a.py"));
      frozen?.kill("SIGSTOP");
      await stuck!.dispose();
      expect(frozen?.signalCode).toBe("SIGKILL");
    } finally {
      ws.cleanup();
    }
  }, 30_000);
});
