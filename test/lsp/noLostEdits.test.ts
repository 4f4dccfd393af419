import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { TextDocumentEdit, TextEdit, WorkspaceEdit } from "vscode-languageserver-protocol";
import { TextDocument } from "vscode-languageserver-textdocument";
import { CheckpointStore } from "../../server/agent/checkpoints/CheckpointStore.js";
import type { AgentRunResult } from "../../server/lsp/agentRunResult.js";
import type { RunSnapshot } from "../../server/agent/types.js";
import { workspaceCacheDir } from "../../server/util/paths.js";
import { makeProject, ONE_BUG_PROJECT } from "../agent/helpers/fixtures.js";
import { fileUri, TestClient } from "../helpers/lspClient.js";
import { EMBED_MODEL, FIM_MODEL } from "../helpers/paths.js";

// No lost edits, through the real server: the agent reads the editor's open documents, pins every
// TextDocumentEdit to the version it was computed against, reports inputs that changed during a run, and
// undo refuses (naming the file) once the user typed after the apply.

const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.kill();
});

const BEFORE = ONE_BUG_PROJECT["src/math.js"] as string;
const AFTER = BEFORE.replace("return a - b;", "return a + b;");

/** A finished, applied run that changed src/math.js from BEFORE to AFTER, as the checkpoint store keeps it. */
function seedAppliedRun(root: string, cacheDir: string): string {
  const runId = "seeded-run";
  const change = { path: "src/math.js", kind: "modify" as const, before: BEFORE, after: AFTER, protected: false, version: 1 };
  const outcome = { runId, changes: [change], summary: "fix: changed src/math.js", verified: { parsed: true, tests: { ran: false, passed: 0, failed: 0, output: "" }, checks: [] }, iterations: 1, ok: true, intent: "fix" as const, notes: [], apply: true };
  const snapshot: RunSnapshot = {
    runId, request: { instruction: "fix add", paths: ["src/math.js"], apply: true }, state: "DONE", resumeFrom: "COMPLETE", intent: "fix",
    targets: [], plan: [], iteration: 0, candidates: {}, attempts: [], feedback: null, baseline: null, notes: [], outcome, error: null,
  };
  const store = CheckpointStore.open(workspaceCacheDir(root, { DHI_CACHE_DIR: cacheDir }));
  try {
    store.record(snapshot, "COMPLETE");
    store.markApplied(runId, true);
  } finally {
    store.close();
  }
  return runId;
}

function textEdits(edit: WorkspaceEdit, uri: string): TextDocumentEdit[] {
  return (edit.documentChanges ?? []).filter((c): c is TextDocumentEdit => "textDocument" in c && c.textDocument.uri === uri);
}

const run = (client: TestClient, args: unknown) => client.connection.sendRequest<AgentRunResult>("workspace/executeCommand", { command: "dhi.agent.run", arguments: [args] });
const undo = (client: TestClient, runId: string) => client.connection.sendRequest<WorkspaceEdit>("workspace/executeCommand", { command: "dhi.agent.undo", arguments: [{ runId }] });

describe("undo against the editor's text", () => {
  it("pins the revert to the open document's version and refuses, naming the file, after the user typed", { timeout: 60_000 }, async () => {
    // On disk the file still holds the run's text (applied, saved); the editor's buffer is what counts.
    const root = makeProject({ ...ONE_BUG_PROJECT, "src/math.js": AFTER });
    const cacheDir = mkdtempSync(join(tmpdir(), "dhi-undo-cache-"));
    const runId = seedAppliedRun(root, cacheDir);
    const client = new TestClient({ env: { DHI_CACHE_DIR: cacheDir }, configuration: { index: { enabled: false } } });
    clients.push(client);
    await client.initialize(root);
    const uri = fileUri(join(root, "src/math.js"));
    await client.open(uri, "javascript", AFTER, 3);

    const revert = await undo(client, runId);
    const [edit] = textEdits(revert, uri);
    expect(edit?.textDocument.version).toBe(3);
    expect(TextDocument.applyEdits(TextDocument.create(uri, "javascript", 3, AFTER), (edit?.edits ?? []) as TextEdit[])).toBe(BEFORE);

    await client.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: 4 }, contentChanges: [{ text: `${AFTER}// typed after the apply\n` }] });
    await expect(undo(client, runId)).rejects.toThrow(/cannot undo run "seeded-run": src\/math\.js does not hold the run's edit: not applied, or changed in the editor since \(now at version 4\)/);
    expect(readFileSync(join(root, "src/math.js"), "utf8")).toBe(AFTER);

    // Closed again, the file is read from disk, which still holds the run's text: undo works, unpinned.
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri } });
    const fromDisk = await undo(client, runId);
    expect(textEdits(fromDisk, uri)[0]?.textDocument.version).toBeNull();
    expect(await client.shutdown()).toBe(0);
  });
});

describe("agent runs against the editor's text", () => {
  const SETTINGS = { model: { threads: 1, contextSize: 2048 }, sandbox: { backend: "none" }, agent: { maxIterations: 1, candidates: 1 } };
  const UNSAVED = `${BEFORE}\nexport function sub(a, b) {\n  return a - b;\n}\n`;

  it("reports inputs changed during the run, returns no edit, and offers a re-run whose edits carry the version", { timeout: 240_000 }, async () => {
    const root = makeProject(ONE_BUG_PROJECT);
    const client = new TestClient({ env: { DHI_MODEL: FIM_MODEL, DHI_EMBED_MODEL: EMBED_MODEL }, configuration: SETTINGS });
    clients.push(client);
    await client.initialize(root);
    const uri = fileUri(join(root, "src/math.js"));
    await client.open(uri, "javascript", UNSAVED, 1);

    // The user types while the run works (the notification is read right after the request).
    const pending = run(client, { instruction: "fix add so that it adds", uris: [uri] });
    await client.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "// typing\n" }] });
    const stale = await pending;
    expect(stale.inputsChanged).toEqual(["src/math.js"]);
    expect(stale.edit.documentChanges).toEqual([]);
    expect(stale.summary).toMatch(/src\/math\.js changed since the run started; re-run/);
    expect(stale.rerun).toMatchObject({ command: "dhi.agent.run", arguments: [{ uris: [uri], apply: false }] });

    // The offered re-run on unchanged text: every edit of the open document is pinned to version 2 and
    // applies to the editor's text. (The tiny model usually proposes no edit at all; the pinning of a run's
    // edit is covered with the scripted model in test/agent/editorBuffers.test.ts, and here by undo above.)
    const again = await client.connection.sendRequest<AgentRunResult>("workspace/executeCommand", { command: stale.rerun?.command, arguments: stale.rerun?.arguments });
    expect(again.inputsChanged).toBeUndefined();
    const current = `// typing\n${UNSAVED}`;
    for (const edit of textEdits(again.edit, uri)) {
      expect(edit.textDocument.version).toBe(2);
      const lines = current.split("\n").length;
      for (const e of edit.edits) expect(e.range.end.line).toBeLessThanOrEqual(lines);
    }
    expect(await client.shutdown()).toBe(0);
  });
});
