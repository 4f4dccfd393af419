import { readdirSync, rmSync, writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WorkspaceIndex } from "../../server/index/WorkspaceIndex.js";
import { makeWorkspace, openTestIndex, writeFiles } from "./helpers.js";

const fn = (name: string, body = "return 1;") =>
  `export function ${name}(input: number): number {\n${Array.from({ length: 8 }, (_, i) => `  const v${i} = input * ${i} + Math.sqrt(input + ${i});`).join("\n")}\n  ${body}\n}\n`;

describe("incremental indexing", () => {
  let ws: ReturnType<typeof makeWorkspace>;
  let index: WorkspaceIndex | null = null;
  afterEach(async () => {
    await index?.dispose();
    index = null;
    ws.cleanup();
  });

  it("re-chunks only changed files and keeps ids of unchanged chunks", async () => {
    ws = makeWorkspace({ "a.ts": fn("alpha") + "\n" + fn("beta"), "b.ts": fn("gamma") });
    index = await openTestIndex(ws.root, ws.cache);
    await index.update();
    const before = index.chunksOf("a.ts");
    const gammaBefore = index.chunksOf("b.ts");
    expect(before.map((c) => c.symbol)).toEqual(["alpha", "beta"]);

    // Prepend a function to a.ts: alpha and beta move down but keep their chunk ids.
    writeFileSync(join(ws.root, "a.ts"), fn("zeta") + "\n" + fn("alpha") + "\n" + fn("beta"));
    await index.update();
    const after = index.chunksOf("a.ts");
    expect(after.map((c) => c.symbol)).toEqual(["zeta", "alpha", "beta"]);
    expect(after[1].id).toBe(before[0].id);
    expect(after[2].id).toBe(before[1].id);
    expect(after[1].startLine).toBeGreaterThan(before[0].startLine);
    expect(index.chunksOf("b.ts")).toEqual(gammaBefore);
    expect(index.definitions("alpha")[0].startLine).toBe(after[1].startLine);
  });

  it("indexes in-memory text, removes files, and notices deletions on disk", async () => {
    ws = makeWorkspace({ "a.ts": fn("alpha"), "b.ts": fn("beta") });
    index = await openTestIndex(ws.root, ws.cache);
    await index.update();

    await index.updateFile("a.ts", fn("alphaEdited"));
    expect(index.definitions("alpha")).toEqual([]);
    expect(index.definitions("alphaEdited")).toHaveLength(1);
    // The editor's text wins over the disk while the document is open.
    await index.update();
    expect(index.definitions("alphaEdited")).toHaveLength(1);
    await index.closeFile("a.ts");
    expect(index.definitions("alpha")).toHaveLength(1);

    await index.updateFile(join(ws.root, "b.ts"), null);
    expect(index.chunksOf("b.ts")).toEqual([]);
    rmSync(join(ws.root, "a.ts"));
    await index.update();
    expect(index.stats().files).toBe(1); // b.ts is back from disk; a.ts is gone
    expect(index.definitions("alpha")).toEqual([]);
    expect(index.references("alpha")).toEqual([]);
  });

  it("respects .gitignore (nested too) and index.exclude", async () => {
    ws = makeWorkspace({
      ".gitignore": "build/\n*.log\n",
      "src/keep.ts": fn("keep"),
      "src/.gitignore": "secret.ts\n",
      "src/secret.ts": fn("secret"),
      "build/out.ts": fn("built"),
      "debug.log": "log text",
      "vendor/lib.ts": fn("vendored"),
      "node_modules/dep/index.js": "function dep() {}",
    });
    index = await openTestIndex(ws.root, ws.cache, { settings: (s) => { s.index.exclude = ["vendor/"]; } });
    await index.update();
    const paths = ["src/keep.ts", "src/secret.ts", "build/out.ts", "debug.log", "vendor/lib.ts", "node_modules/dep/index.js", ".gitignore"]
      .filter((p) => index!.chunksOf(p).length > 0);
    expect(paths).toEqual(["src/keep.ts", ".gitignore"]);
  });

  it("survives binary, huge, minified, broken and non-UTF-8 files", async () => {
    ws = makeWorkspace({
      "ok.py": "def fine():\n    return 1\n",
      "image.dat": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]),
      "huge.ts": fn("huge").repeat(2000),
      "min.js": `var a=1;${"function f(){return 1};".repeat(2000)}`,
      "broken.ts": "export function ((( { class {{{ \n const = ;",
      "latin1.c": Buffer.from([0x69, 0x6e, 0x74, 0x20, 0x78, 0x3b, 0x20, 0x2f, 0x2f, 0x20, 0xe9, 0x0a]),
      "empty.go": "",
    });
    index = await openTestIndex(ws.root, ws.cache, { settings: (s) => { s.index.maxFileBytes = 100_000; } });
    const stats = await index.update();
    expect(index.chunksOf("ok.py")).toHaveLength(1);
    expect(index.chunksOf("image.dat")).toEqual([]);
    expect(index.chunksOf("huge.ts")).toEqual([]);
    expect(index.chunksOf("min.js")).toEqual([]);
    expect(index.chunksOf("broken.ts").length).toBeGreaterThan(0);
    expect(index.chunksOf("latin1.c").length).toBe(1);
    expect(stats.files).toBe(4); // ok.py, broken.ts, latin1.c and the empty empty.go
  });

  it("re-indexes an edited 1000-line file from the new text, replacing only the edited chunk", async () => {
    const big = Array.from({ length: 50 }, (_, i) => fn(`f${i}`)).join("\n");
    expect(big.split("\n").length).toBeGreaterThan(500);
    ws = makeWorkspace({ "big.ts": big });
    index = await openTestIndex(ws.root, ws.cache);
    await index.update();
    const before = index.chunksOf("big.ts");
    // Speed is bench/index.mjs's job (re-index latency); this checks the incremental work is right.
    await index.updateFile("big.ts", big.replace("return 1;", "return 2;"));
    const after = index.chunksOf("big.ts");
    expect(after[0].text).toContain("return 2;");
    expect(after.map((c) => c.symbol)).toEqual(before.map((c) => c.symbol));
    expect(after[0].id).not.toBe(before[0].id);
    expect(after.slice(1).map((c) => c.id)).toEqual(before.slice(1).map((c) => c.id));
  });

  it("leaves out an open document whose text is minified or binary, as it does from disk", async () => {
    ws = makeWorkspace({ "app.js": "function app() {\n  return 1;\n}\n" });
    index = await openTestIndex(ws.root, ws.cache);
    await index.update();
    expect(index.chunksOf("app.js").length).toBeGreaterThan(0);
    // The editor's buffer became a bundle (say, a build wrote it and the editor reloaded): it leaves the index.
    await index.updateFile("app.js", `var a=1;${"function f(){return 1};".repeat(2000)}`);
    expect(index.chunksOf("app.js")).toEqual([]);
    // A new document that is a bundle never enters (a name that no exclusion rule catches).
    await index.updateFile("vendor.js", `var b=2;${"function g(){return 2};".repeat(2000)}`);
    expect(index.chunksOf("vendor.js")).toEqual([]);
    await index.updateFile("data.py", `def x():\n    return 1\n${"\u0000\u0001".repeat(50)}\n`);
    expect(index.chunksOf("data.py")).toEqual([]);
    // Readable again: back in.
    await index.updateFile("app.js", "function app() {\n  return 2;\n}\n");
    expect(index.chunksOf("app.js").map((c) => c.symbol)).toEqual(["app"]);
    expect(index.consistencyProblems()).toEqual([]);
  });

  it("rebuild starts from scratch and gives the same counts", async () => {
    ws = makeWorkspace({ "a.ts": fn("alpha"), "b.py": "def beta():\n    return alpha()\n" });
    index = await openTestIndex(ws.root, ws.cache);
    const first = await index.update();
    const again = await index.update({ rebuild: true });
    expect({ ...again, seconds: 0 }).toEqual({ ...first, seconds: 0 });
    writeFiles(ws.root, { "c.ts": fn("gamma") });
    expect((await index.update()).files).toBe(3);
  });

  it("waits for another process's write lock without blocking, writes queued edits in order, and says when it gives up on a bulk update", async () => {
    ws = makeWorkspace({ "a.ts": fn("alpha") });
    index = await openTestIndex(ws.root, ws.cache);
    await index.update();
    // Another dhi (say `dhi index` beside the editor) holds the database's write lock.
    const other = new Database(join(ws.cache, "workspaces", readdirSync(join(ws.cache, "workspaces"))[0], "index.db"));
    other.exec("BEGIN IMMEDIATE; INSERT INTO meta(key, value) VALUES ('other', 'x')");
    writeFileSync(join(ws.root, "b.ts"), fn("delta"));
    await expect(index.update()).rejects.toThrow("another process is writing this workspace's index");
    let done = false;
    const edits = Promise.all([index.updateFile("a.ts", fn("beta")), index.updateFile("a.ts", fn("gamma"))]).then(() => (done = true));
    const tick = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    expect(performance.now() - tick).toBeLessThan(1000); // this thread kept running
    expect(done).toBe(false);
    other.exec("COMMIT");
    other.close();
    await edits;
    expect(index.chunksOf("a.ts").map((c) => c.symbol)).toEqual(["gamma"]);
  });
});
