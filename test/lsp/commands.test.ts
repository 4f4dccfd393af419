import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { engineStatus, shouldRun, type EngineStatus } from "../sandbox/helpers.js";
import { fileUri, TestClient } from "../helpers/lspClient.js";

const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.kill();
});

function nodeProject(testBody: string): string {
  const dir = mkdtempSync(join(tmpdir(), "dhi-tests-run-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "p", version: "1.0.0", scripts: { test: "node --test" } }));
  writeFileSync(join(dir, "math.test.js"), `const test = require("node:test");\nconst assert = require("node:assert");\n${testBody}\n`);
  return dir;
}

let docker: EngineStatus = { ready: false, detail: "not probed" };
beforeAll(async () => {
  docker = await engineStatus("docker");
});

describe("dhi.tests.run over LSP", () => {
  it("runs the project's tests in the Docker sandbox and reports the outcome", async (context) => {
    if (!shouldRun("dhi.tests.run", docker)) return context.skip();
    if (!docker.ready) throw new Error(docker.detail);
    const root = nodeProject('test("adds", () => assert.strictEqual(1 + 1, 2));');
    const c = new TestClient({ env: { DHI_SANDBOX: "docker" } });
    clients.push(c);
    await c.initialize(root);
    const passed = await c.connection.sendRequest<{ backend: string; exitCode: number; timedOut: boolean; durationMs: number; stdout: string; stderr: string }>(
      "workspace/executeCommand",
      { command: "dhi.tests.run", arguments: [{}] },
    );
    expect(passed).toMatchObject({ backend: "docker", exitCode: 0, timedOut: false });
    expect(passed.stdout).toContain("pass 1");
    expect(c.progressTokens.length).toBeGreaterThan(0);

    const failed = await c.connection.sendRequest<{ exitCode: number; stdout: string }>("workspace/executeCommand", {
      command: "dhi.tests.run",
      arguments: [{ testCommand: "node -e \"process.exit(3)\"" }],
    });
    expect(failed.exitCode).toBe(3);
    expect(await c.shutdown()).toBe(0);
  });

  it("answers a clear error, not a crash, when the sandbox refuses", async () => {
    const root = nodeProject('test("x", () => {});');
    const c = new TestClient({ env: { DHI_SANDBOX: "none" } });
    clients.push(c);
    await c.initialize(root);
    const error = await c.connection.sendRequest("workspace/executeCommand", { command: "dhi.tests.run", arguments: [] }).then(
      () => null,
      (e: { message: string }) => e,
    );
    expect(error?.message).toMatch(/^dhi: /);
    expect(error?.message).toContain("none");
    const bad = await c.connection.sendRequest("workspace/executeCommand", { command: "dhi.tests.run", arguments: [{ testCommand: 42 }] }).then(
      () => null,
      (e: { message: string }) => e,
    );
    expect(bad?.message).toContain("testCommand");
    expect(await c.shutdown()).toBe(0);
  });
});

describe("index over LSP", () => {
  it("builds in the background with progress, searches, follows open documents, edits, disk changes and closes, and rebuilds", async () => {
    const root = mkdtempSync(join(tmpdir(), "dhi-index-lsp-"));
    writeFileSync(join(root, "settings.py"), "def parse_settings(text):\n    return dict(line.split('=') for line in text.splitlines())\n");
    writeFileSync(join(root, "main.ts"), "export function renderWidget(name: string): string {\n  return `<${name}>`;\n}\n");
    const c = new TestClient({ configuration: { index: { embeddingModel: "none" } } });
    clients.push(c);
    await c.initialize(root);
    const ended = () => c.progress.some((p) => (p as { value?: { kind?: string } }).value?.kind === "end");
    await c.waitFor(ended, "the indexing progress to end", 30_000);

    type Hit = { uri: string; range: { start: { line: number } }; symbol?: string; score: number };
    const hits = await c.connection.sendRequest<Hit[]>("workspace/executeCommand", { command: "dhi.search", arguments: [{ query: "parse settings", k: 5 }] });
    expect(hits[0]?.uri).toBe(fileUri(join(root, "settings.py")));
    expect(hits[0]?.symbol).toBe("parse_settings");
    expect(hits[0]?.range.start.line).toBe(0);

    // An open document is indexed from its in-memory text, not the disk.
    const draft = fileUri(join(root, "draft.ts"));
    await c.open(draft, "typescript", "export function frobnicateGadget(): number {\n  return 42;\n}\n");
    let found: Hit[] = [];
    for (let i = 0; i < 50 && !found.some((h) => h.uri === draft); i++) {
      await new Promise((r) => setTimeout(r, 200));
      found = await c.connection.sendRequest<Hit[]>("workspace/executeCommand", { command: "dhi.search", arguments: [{ query: "frobnicateGadget" }] });
    }
    expect(found.some((h) => h.uri === draft && h.symbol === "frobnicateGadget"), JSON.stringify(found)).toBe(true);

    const search = (query: string) =>
      c.connection.sendRequest<Hit[]>("workspace/executeCommand", { command: "dhi.search", arguments: [{ query }] });
    const symbolsIn = async (uri: string, query: string) => (await search(query)).filter((h) => h.uri === uri).map((h) => h.symbol);
    const eventually = async (what: string, check: () => Promise<boolean>) => {
      // A deadline, not a speed check: a loaded CI machine may index the burst slowly.
      for (let i = 0; i < 400; i++) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}`);
    };

    // Typing (didChange bursts) re-indexes the in-memory text once typing pauses: the last text wins.
    for (const [version, name] of [[2, "frobnicateGizmo"], [3, "frobnicateWidget"], [4, "frobnicateDoohickey"]] as const) {
      await c.connection.sendNotification("textDocument/didChange", {
        textDocument: { uri: draft, version },
        contentChanges: [{ text: `export function ${name}(): number {\n  return ${version};\n}\n` }],
      });
    }
    await eventually("the edited draft to be re-indexed", async () => (await symbolsIn(draft, "frobnicateDoohickey")).includes("frobnicateDoohickey"));
    // The query words also match the new name (identifiers are split), so compare symbols.
    expect(await symbolsIn(draft, "frobnicateGadget")).toEqual(["frobnicateDoohickey"]);
    expect(await symbolsIn(draft, "frobnicateWidget")).toEqual(["frobnicateDoohickey"]);

    // Files changed on disk arrive as workspace/didChangeWatchedFiles: a new file is indexed, a deleted one dropped.
    const added = join(root, "added.py");
    writeFileSync(added, "def quantize_weights(values):\n    return [round(v) for v in values]\n");
    await c.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(added), type: 1 }] });
    await eventually("the new file on disk to be indexed", async () => (await symbolsIn(fileUri(added), "quantize_weights")).includes("quantize_weights"));
    rmSync(join(root, "main.ts"));
    await c.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(join(root, "main.ts")), type: 3 }] });
    await eventually("the deleted file to leave the index", async () => (await symbolsIn(fileUri(join(root, "main.ts")), "renderWidget")).length === 0);

    // A burst of changes (a branch switch) runs one incremental update of the workspace, with progress.
    const begins = () => c.progress.filter((p) => (p as { value?: { kind?: string } }).value?.kind === "begin").length;
    const beginsBefore = begins();
    const burst = Array.from({ length: 200 }, (_, i) => join(root, `burst/b${i}.py`));
    mkdirSync(join(root, "burst"));
    burst.forEach((file, i) => writeFileSync(file, `def burst_handler_${i}(event):\n    return event\n`));
    await c.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: burst.map((file) => ({ uri: fileUri(file), type: 1 })) });
    await eventually("the burst of new files to be indexed", async () => (await symbolsIn(fileUri(burst[199]), "burst_handler_199")).includes("burst_handler_199"));
    expect(begins()).toBeGreaterThan(beginsBefore);

    // Closing a document hands it back to the disk: draft.ts was never saved, so it leaves the index.
    await c.connection.sendNotification("textDocument/didClose", { textDocument: { uri: draft } });
    await eventually("the closed, unsaved draft to leave the index", async () => (await symbolsIn(draft, "frobnicateDoohickey")).length === 0);

    const stats = await c.connection.sendRequest<{ files: number; chunks: number }>("workspace/executeCommand", { command: "dhi.index.rebuild", arguments: [] });
    expect(stats.files).toBeGreaterThanOrEqual(202);
    expect(stats.chunks).toBeGreaterThanOrEqual(2);

    const bad = await c.connection.sendRequest("workspace/executeCommand", { command: "dhi.search", arguments: [{ k: 3 }] }).then(
      () => null,
      (e: { message: string }) => e.message,
    );
    expect(bad).toContain("query");
    expect(await c.shutdown()).toBe(0);
  });
});
