import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CompletionList, InitializeResult, InlineCompletionItem } from "vscode-languageserver-protocol";
import type { ContextPiece } from "../../server/completion/types.js";
import { fileUri, fullCapabilities, minimalCapabilities, TestClient } from "../helpers/lspClient.js";
import { FIM_MODEL } from "../helpers/paths.js";

// Multi-root through the real server: each folder has its own settings, index and completion context.

const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.kill();
});

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "dhi-root-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

interface LastCompletion {
  folder: string | null;
  uri: string;
  id: string;
  context: ContextPiece[];
}

// Each folder defines the same constant name with its own value: retrieval must pick the document's folder.
const USER = "def accept(size):\n    return size <= MAX_UPLOAD_BYTES and \n";
const POSITION = { line: 1, character: 39 };

async function initialize(c: TestClient, roots: string[], capabilities = fullCapabilities()): Promise<InitializeResult> {
  const result = await c.connection.sendRequest<InitializeResult>("initialize", {
    processId: process.pid,
    rootUri: fileUri(roots[0]),
    workspaceFolders: roots.map((root, i) => ({ uri: fileUri(root), name: `folder${i}` })),
    capabilities,
  });
  await c.connection.sendNotification("initialized", {});
  return result;
}

const versions = new Map<string, number>();

/**
 * Completes at POSITION. Retrieval has an 80 ms budget per request; on a busy machine a cold first retrieval can
 * miss it ("skipped"), so that case is retried after an edit below the cursor (a new prompt, not a cache hit).
 */
async function completeIn(c: TestClient, root: string, file: string): Promise<{ items: InlineCompletionItem[]; last: LastCompletion | null }> {
  const uri = fileUri(join(root, file));
  for (let attempt = 0; ; attempt++) {
    const answer = await completeOnce(c, uri);
    const skipped = answer.last?.context.some((p) => p.reason?.startsWith("skipped")) ?? false;
    if (!skipped || attempt === 3) return answer;
    const version = (versions.get(uri) ?? 1) + 1;
    versions.set(uri, version);
    await c.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text: `${USER}${"\n".repeat(attempt + 1)}` }] });
  }
}

async function completeOnce(c: TestClient, uri: string): Promise<{ items: InlineCompletionItem[]; last: LastCompletion | null }> {
  const items = await c.connection.sendRequest<InlineCompletionItem[]>("textDocument/inlineCompletion", {
    textDocument: { uri },
    position: POSITION,
    context: { triggerKind: 1 },
  });
  const last = await c.connection.sendRequest<LastCompletion | null>("dhi/internal/lastCompletion");
  return { items, last: last?.uri === uri ? last : null };
}

const retrievedPaths = (last: LastCompletion | null) => (last?.context ?? []).filter((p) => p.kind === "retrieved" || p.kind === "recent").map((p) => p.path);

describe("multi-root workspaces", () => {
  it("gives each folder its own settings and context, and follows folders added and removed at run time", async () => {
    const settings = { model: { threads: 1, contextSize: 2048 }, completion: { responseBudgetMs: 0 } };
    const a = folder({ ".dhi.json": JSON.stringify({ ...settings, completion: { ...settings.completion, contextTokens: { prefix: 8 } } }), "limits_a.py": "MAX_UPLOAD_BYTES = 10 * 1024 * 1024\n", "upload.py": USER });
    const b = folder({ ".dhi.json": JSON.stringify({ ...settings, completion: { ...settings.completion, contextTokens: { prefix: 512 } } }), "limits_b.py": "MAX_UPLOAD_BYTES = 99\n", "upload.py": USER });
    const c3 = folder({ ".dhi.json": JSON.stringify({ ...settings, completion: { enabled: false } }), "upload.py": USER });
    const c = new TestClient({ env: { DHI_MODEL: FIM_MODEL } });
    clients.push(c);
    const init = await initialize(c, [a, b]);
    expect(init.capabilities.workspace?.workspaceFolders).toEqual({ supported: true, changeNotifications: true });
    await c.waitFor(() => c.logMessages.filter((m) => m.message.startsWith("index ready")).length >= 2, "both folders indexed", 60_000);

    for (const root of [a, b]) await c.open(fileUri(join(root, "upload.py")), "python", USER);
    const inA = await completeIn(c, a, "upload.py");
    const inB = await completeIn(c, b, "upload.py");
    expect(inA.last?.folder).toBe(a);
    expect(inB.last?.folder).toBe(b);
    // Retrieval found the definition in the document's own folder and nothing from the other folder.
    expect(retrievedPaths(inA.last)).toContain("limits_a.py");
    expect(retrievedPaths(inA.last)).not.toContain("limits_b.py");
    expect(retrievedPaths(inB.last)).toContain("limits_b.py");
    expect(retrievedPaths(inB.last)).not.toContain("limits_a.py");
    // Both folders' settings name the same model: one engine serves both, loaded once.
    const modelLoads = c.progress.filter((p) => (p as { value?: { kind?: string; title?: string } }).value?.title === "dhi: loading model");
    expect(modelLoads).toHaveLength(1);
    // Each folder's .dhi.json applies to its own documents only.
    const prefixTokens = (last: LastCompletion | null) => last?.context.find((p) => p.kind === "prefix")?.tokens ?? -1;
    expect(prefixTokens(inA.last)).toBeGreaterThan(0);
    expect(prefixTokens(inA.last)).toBeLessThan(prefixTokens(inB.last));
    expect(inA.last?.context[0]).toMatchObject({ kind: "prefix", reason: "window" });
    expect(inB.last?.context[0]).toMatchObject({ kind: "prefix", reason: "whole" });

    // Add a third folder (completions disabled there) and remove the second one, at run time.
    await c.connection.sendNotification("workspace/didChangeWorkspaceFolders", {
      event: { added: [{ uri: fileUri(c3), name: "third" }], removed: [{ uri: fileUri(b), name: "folder1" }] },
    });
    await c.waitFor(() => c.logMessages.some((m) => m.message === `workspace folder removed: ${fileUri(b)}`), "folder removal");
    await c.waitFor(() => c.logMessages.filter((m) => m.message.startsWith("index ready")).length >= 3, "the third folder indexed", 60_000);
    await c.open(fileUri(join(c3, "upload.py")), "python", USER);
    expect((await completeIn(c, c3, "upload.py")).items).toEqual([]);
    // The removed folder's files are now outside every folder: completions still come, without retrieval.
    const outside = await completeIn(c, b, "upload.py");
    expect(outside.last?.folder).toBeNull();
    expect(retrievedPaths(outside.last)).toEqual([]);
    expect((await completeIn(c, a, "upload.py")).last?.folder).toBe(a);

    // Unknown folder URIs: a clear message or error, and the server keeps serving.
    await c.connection.sendNotification("workspace/didChangeWorkspaceFolders", {
      event: { added: [{ uri: "untitled:nowhere", name: "bad" }], removed: [{ uri: "file:///no/such/folder", name: "gone" }] },
    });
    await c.waitFor(() => c.shownMessages.some((m) => m.message.includes("file:///no/such/folder is not an open workspace folder")), "the unknown-folder message");
    await c.waitFor(() => c.shownMessages.some((m) => m.message.includes('"untitled:nowhere" is not a file: URI')), "the non-file folder message");
    const error = await c.connection
      .sendRequest("workspace/executeCommand", { command: "dhi.search", arguments: [{ query: "MAX_UPLOAD_BYTES", uri: "file:///no/such/folder/x.py" }] })
      .then(() => null, (e: { message: string; code: number }) => e);
    expect(error?.message).toMatch(/^dhi: file:\/\/\/no\/such\/folder\/x\.py is not in any workspace folder; the folders are /);
    const hits = await c.connection.sendRequest<Array<{ uri: string }>>("workspace/executeCommand", { command: "dhi.search", arguments: [{ query: "MAX_UPLOAD_BYTES", uri: fileUri(a) }] });
    expect(hits.map((h) => h.uri)).toContain(fileUri(join(a, "limits_a.py")));
    expect(hits.map((h) => h.uri).some((u) => u.startsWith(fileUri(b)))).toBe(false);
    expect(await c.shutdown()).toBe(0);
  }, 180_000);

  it("does not advertise folder change notifications to a client that cannot send them", async () => {
    const c = new TestClient();
    clients.push(c);
    const result = await initialize(c, [folder({})], minimalCapabilities());
    expect(result.capabilities.workspace?.workspaceFolders).toBeUndefined();
    const list = await c.connection.sendRequest<CompletionList>("textDocument/completion", { textDocument: { uri: "file:///x.py" }, position: { line: 0, character: 0 } });
    expect(list.items).toEqual([]);
    expect(await c.shutdown()).toBe(0);
  });
});
