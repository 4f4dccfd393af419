import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distForChildren } from "./distForChildren.js";
import type { IndexStore } from "../../server/index/IndexStore.js";
import { EMBED_MODEL, makeWorkspace, openTestIndex, updateProcessOf, waitForExit, writeFiles } from "./helpers.js";
import { seeded } from "../helpers/seeded.js";

const CHILD = fileURLToPath(new URL("./fixtures/indexChild.mjs", import.meta.url));
const PATCH_WRITES = fileURLToPath(new URL("./fixtures/patchWrites.mjs", import.meta.url));

/** Environment for a child whose processes write through patchWrites.mjs. */
function patchedEnv(dist: string, patch: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, NODE_OPTIONS: `--import=${pathToFileURL(PATCH_WRITES).href}`, DHI_TEST_DIST: dist, ...patch };
}

/** `files` TypeScript files; each `generation` has different text, so that every file must be indexed again. */
function corpus(files: number, generation = 0): Record<string, string> {
  const out: Record<string, string> = {};
  for (let f = 0; f < files; f++) {
    const fns = Array.from({ length: 4 }, (_, i) => [
      `export function handler${f}x${i}(request: Request${i}): number {`,
      ...Array.from({ length: 8 }, (_, j) => `  const value${j} = helper${(f + i + j) % 50}(request, ${j}) * ${f};`),
      `  return value0 + ${generation};`,
      `}`,
    ].join("\n"));
    out[`src/m${f % 20}/file${f}.ts`] = fns.join("\n\n");
  }
  return out;
}

interface KillResult {
  lines: string[];
  /** The update process that was running when the kill came. */
  updatePid: number | null;
}

/**
 * Runs the child indexer and, as soon as `killWhen` accepts a line of its output, SIGKILLs it (`target` "server":
 * the index's owner) or its update process ("update"). Writes are throttled in every process (patchWrites.mjs).
 */
function runAndKill(dist: string, root: string, cache: string, model: string, killWhen: (line: string) => boolean, target: "server" | "update" = "server"): Promise<KillResult> {
  return new Promise((resolve, reject) => {
    const env = patchedEnv(dist, { DHI_TEST_WRITE_DELAY_MS: "2" });
    const child = spawn(process.execPath, [CHILD, dist, root, cache, model], { stdio: ["ignore", "pipe", "pipe"], env });
    const lines: string[] = [];
    let stderr = "";
    let buffer = "";
    let updatePid: number | null = null;
    let killed = false;
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        if (killed || !killWhen(line)) continue;
        killed = true;
        updatePid = child.pid === undefined ? null : updateProcessOf(child.pid);
        if (target === "server") child.kill("SIGKILL");
        else if (updatePid !== null) process.kill(updatePid, "SIGKILL");
        else reject(new Error(`no update process to kill; stdout: ${lines.slice(-3).join(" | ")}`));
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (target === "server" ? signal === "SIGKILL" : killed && code === 0) resolve({ lines, updatePid });
      else reject(new Error(`child ended with ${code ?? signal} (killed: ${killed}); stdout: ${lines.slice(-3).join(" | ")}; stderr: ${stderr}`));
    });
  });
}

/** Runs the child indexer (the built server: update and extraction processes) to its end; resolves with its output lines. */
function runChild(dist: string, root: string, cache: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dist, root, cache, "none"], { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out.split("\n")) : reject(new Error(`child ended with ${code}: ${stderr}`))));
  });
}


/** Descendant pids of `parent` (the update process and its extraction processes), from /proc. */
function descendantsOf(parent: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const queue = [parent];
  while (queue.length > 0) for (const child of children.get(queue.shift() as number) ?? []) queue.push(child), out.push(child);
  return out;
}

/** Runs the child indexer and SIGKILLs it `ms` after it opened the index (or lets it finish); waits for its helpers to go. */
function killAfter(dist: string, root: string, cache: string, ms: number): Promise<{ finished: boolean; orphans: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dist, root, cache, "none"], { stdio: ["ignore", "pipe", "pipe"], env: patchedEnv(dist, { DHI_TEST_WRITE_DELAY_MS: "2" }) });
    let out = "";
    let helpers: number[] = [];
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!timer && out.includes("opened\n")) {
        timer = setTimeout(() => {
          helpers = child.pid === undefined ? [] : descendantsOf(child.pid);
          child.kill("SIGKILL");
        }, ms);
      }
    });
    child.on("error", reject);
    child.on("exit", async () => {
      clearTimeout(timer);
      // Orphaned update/extraction processes notice their parent is gone and exit on their own.
      resolve({ finished: out.includes("finished"), orphans: await waitForExit(helpers) });
    });
  });
}

// The index's update and extraction processes run at nice 19: beside other busy tests they get a sliver of CPU, so
// the tests that run them allow minutes (two busy loops beside this file: up to 128 s a test, all passing).
describe("crash safety (kill -9 mid-index)", () => {
  let dist: string;
  let cleanup = (): void => undefined;
  beforeAll(() => {
    ({ dist, cleanup } = distForChildren());
  }, 120_000);
  afterAll(() => cleanup());

  it("gives a consistent index after a kill during file indexing, and a restart completes it", async () => {
    const ws = makeWorkspace(corpus(1200));
    try {
      const { lines, updatePid } = await runAndKill(dist, ws.root, ws.cache, "none", (l) => /^files (\d+)/.test(l) && Number(l.split(" ")[1]) >= 320);
      expect(lines).not.toContain("finished");
      // The update process outlives the server only until it notices: it stops at the next file and exits.
      expect(updatePid).not.toBeNull();
      expect(await waitForExit([updatePid as number])).toEqual([]);
      const recovered = await openTestIndex(ws.root, ws.cache);
      expect(recovered.consistencyProblems()).toEqual([]);
      const partial = recovered.stats();
      expect(partial.files).toBeGreaterThanOrEqual(320);
      expect(partial.files).toBeLessThan(1200);
      const final = await recovered.update();
      expect(recovered.consistencyProblems()).toEqual([]);
      await recovered.dispose();

      const fresh = makeWorkspace({});
      const clean = await openTestIndex(ws.root, fresh.cache);
      const expected = await clean.update();
      await clean.dispose();
      fresh.cleanup();
      expect({ ...final, seconds: 0 }).toEqual({ ...expected, seconds: 0 });
    } finally {
      ws.cleanup();
    }
  }, 400_000);

  it("stays consistent through kill -9 at seeded random moments, three in a row, and a restart completes it", async () => {
    const ws = makeWorkspace(corpus(1200));
    const random = seeded(Number(process.env.DHI_KILL_SEED ?? 1809));
    try {
      const moments = [0, 1, 2].map(() => Math.round(50 + random() * 2500));
      const interrupted: boolean[] = [];
      for (const [run, ms] of moments.entries()) {
        // Every file changed: each run has a whole index to do (over 2.4 s of throttled writes), so each kill lands mid-update.
        if (run > 0) writeFiles(ws.root, corpus(1200, run));
        const { orphans, finished } = await killAfter(dist, ws.root, ws.cache, ms);
        interrupted.push(!finished);
        expect(orphans, `helpers left running after a kill at ${ms} ms`).toEqual([]);
        const check = await openTestIndex(ws.root, ws.cache);
        expect(check.consistencyProblems(), `after a kill at ${ms} ms`).toEqual([]);
        await check.dispose();
      }
      expect(interrupted.every(Boolean), `moments ${moments.join(", ")} ms`).toBe(true);
      const recovered = await openTestIndex(ws.root, ws.cache);
      expect((await recovered.update()).files).toBe(1200);
      expect(recovered.consistencyProblems()).toEqual([]);
      await recovered.dispose();
    } finally {
      ws.cleanup();
    }
  }, 600_000);

  it("gives a consistent index after the update process itself is killed, and the server says so", async () => {
    const ws = makeWorkspace(corpus(1200));
    try {
      const { lines } = await runAndKill(dist, ws.root, ws.cache, "none", (l) => /^files (\d+)/.test(l) && Number(l.split(" ")[1]) >= 320, "update");
      expect(lines.find((l) => l.startsWith("failed "))).toMatch(/^failed the index update process exited \(SIGKILL\) before it finished$/);
      const recovered = await openTestIndex(ws.root, ws.cache);
      expect(recovered.consistencyProblems()).toEqual([]);
      const partial = recovered.stats().files;
      expect(partial).toBeGreaterThanOrEqual(320);
      expect(partial).toBeLessThan(1200);
      expect((await recovered.update()).files).toBe(1200);
      expect(recovered.consistencyProblems()).toEqual([]);
      await recovered.dispose();
    } finally {
      ws.cleanup();
    }
  }, 240_000);

  it("extraction processes (which read, hash and parse files themselves) index exactly what inline indexing does", async () => {
    const files: Record<string, string | Buffer> = { ...corpus(40) };
    files["tool.py"] = "import os\n\n\ndef walk(root):\n    return [p for p in os.listdir(root)]\n";
    files["blob.bin"] = Buffer.from([1, 2, 0, 3, 4]);
    files["bundle.js"] = `var a=${"1+".repeat(15000)}1;`;
    const ws = makeWorkspace(files);
    try {
      expect(await runChild(dist, ws.root, ws.cache)).toContain("finished");
      const pooled = await openTestIndex(ws.root, ws.cache);
      expect(pooled.consistencyProblems()).toEqual([]);
      const before = pooled.stats();
      // Nothing changed on disk: a second update finds every file unchanged.
      const again = await pooled.update();
      expect({ ...again, seconds: 0 }).toEqual({ ...before, seconds: 0 });
      const hits = await pooled.search("walk root listdir", { k: 3 });
      await pooled.dispose();

      const fresh = makeWorkspace({});
      const inline = await openTestIndex(ws.root, fresh.cache);
      const expected = await inline.update();
      const inlineHits = await inline.search("walk root listdir", { k: 3 });
      await inline.dispose();
      fresh.cleanup();
      expect(before.files).toBe(41); // the binary file and the minified bundle are left out
      expect({ ...before, seconds: 0 }).toEqual({ ...expected, seconds: 0 });
      expect(hits.map((h) => [h.chunk.path, h.chunk.startLine, h.chunk.endLine])).toEqual(inlineHits.map((h) => [h.chunk.path, h.chunk.startLine, h.chunk.endLine]));
      expect(hits[0]?.chunk.path).toBe("tool.py");
    } finally {
      ws.cleanup();
    }
  }, 240_000);

  it("rolls the bulk transaction back when writing a file fails, so no half-written file is ever committed", async () => {
    const ws = makeWorkspace(corpus(200));
    try {
      const index = await openTestIndex(ws.root, ws.cache);
      const store = (index as unknown as { store: IndexStore }).store;
      const writeFile = store.writeFile.bind(store);
      let calls = 0;
      let failed = "";
      store.writeFile = (...args: Parameters<IndexStore["writeFile"]>) => {
        if (++calls === 120) {
          // The file's rows are written, then the failure comes before its symbols' links would be (as a full disk would).
          writeFile(...args);
          failed = args[0];
          throw new Error("disk full");
        }
        return writeFile(...args);
      };
      await expect(index.update()).rejects.toThrow("disk full");
      expect(store.inTransaction).toBe(false);
      expect(failed).not.toBe("");
      expect(store.getFile(failed)).toBeUndefined();
      expect(index.consistencyProblems()).toEqual([]);
      expect(index.stats().files).toBeLessThan(120);
      store.writeFile = writeFile;
      const final = await index.update();
      expect(final.files).toBe(200);
      expect(index.consistencyProblems()).toEqual([]);
      await index.dispose();
    } finally {
      ws.cleanup();
    }
  });

  it("a write that fails in the update process rolls back to the last commit, and the server says why", async () => {
    const ws = makeWorkspace(corpus(200));
    try {
      const lines = await runChild(dist, ws.root, ws.cache, patchedEnv(dist, { DHI_TEST_FAIL_WRITE_AT: "120" }));
      const failed = lines.find((l) => l.startsWith("failed ")) ?? "";
      const path = /^failed disk full \(writing (.+)\)$/.exec(failed)?.[1];
      expect(path, failed).toBeDefined();
      const recovered = await openTestIndex(ws.root, ws.cache);
      expect(recovered.consistencyProblems()).toEqual([]);
      expect(recovered.chunksOf(path as string)).toEqual([]);
      expect(recovered.stats().files).toBeLessThan(120);
      expect((await recovered.update()).files).toBe(200);
      expect(recovered.consistencyProblems()).toEqual([]);
      await recovered.dispose();
    } finally {
      ws.cleanup();
    }
  }, 240_000);

  it("rebuilds the HNSW file from SQLite after a kill during embedding", async () => {
    const ws = makeWorkspace(corpus(150));
    try {
      await runAndKill(dist, ws.root, ws.cache, EMBED_MODEL, (l) => /^embedded (\d+)/.test(l) && Number(l.split(" ")[1]) >= 64);
      const recovered = await openTestIndex(ws.root, ws.cache, { embedModel: EMBED_MODEL });
      expect(recovered.consistencyProblems()).toEqual([]);
      const partial = recovered.stats();
      expect(partial.embeddings).toBeGreaterThan(0);
      expect(partial.embeddings).toBeLessThan(partial.chunks);
      expect(recovered.vectorCount).toBe(partial.embeddings);
      const final = await recovered.update();
      expect(final.embeddings).toBe(final.chunks);
      expect(recovered.vectorCount).toBe(final.chunks);
      expect(recovered.embeddedSinceOpen).toBe(final.chunks - partial.embeddings);
      expect(recovered.consistencyProblems()).toEqual([]);
      await recovered.dispose();
    } finally {
      ws.cleanup();
    }
  }, 240_000);
});
