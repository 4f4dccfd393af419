import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CodeAction, InlineCompletionItem } from "vscode-languageserver-protocol";
import type { DhiStatus } from "../../server/lsp/status.js";
import { fileUri, TestClient } from "../helpers/lspClient.js";
import { FIM_MODEL } from "../helpers/paths.js";

// The dhi/status notification through the real server, with the tiny real model.

const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.kill();
});

function statusClient(options: ConstructorParameters<typeof TestClient>[0]): { c: TestClient; statuses: DhiStatus[] } {
  const c = new TestClient(options);
  clients.push(c);
  const statuses: DhiStatus[] = [];
  c.connection.onNotification("dhi/status", (status: DhiStatus) => void statuses.push(status));
  return { c, statuses };
}

const TEXT = "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        \n";
const KEYS = new Set(["model", "index", "lastLatencyMs", "tokensPerSecond", "budgetHits", "message"]);

describe("dhi/status", () => {
  it("reports model and index state, latency, speed and budget hits, only when they change", async () => {
    const root = mkdtempSync(join(tmpdir(), "dhi-status-"));
    writeFileSync(join(root, "point.py"), TEXT);
    const { c, statuses } = statusClient({ env: { DHI_MODEL: FIM_MODEL }, configuration: { model: { threads: 1, contextSize: 2048 }, completion: { responseBudgetMs: 0 } } });
    await c.initialize(root);
    await c.waitFor(() => statuses.some((s) => s.index === "ready"), "the index to be reported ready", 60_000);
    expect(statuses[0]).toMatchObject({ model: "none" });
    expect(statuses.some((s) => s.index === "building"), JSON.stringify(statuses)).toBe(true);

    const uri = fileUri(join(root, "point.py"));
    await c.open(uri, "python", TEXT);
    const request = (line: number, character: number) =>
      c.connection.sendRequest<InlineCompletionItem[]>("textDocument/inlineCompletion", { textDocument: { uri }, position: { line, character }, context: { triggerKind: 1 } });
    expect((await request(3, 8)).length).toBe(1);
    await c.waitFor(() => statuses.at(-1)?.model === "ready" && statuses.at(-1)?.lastLatencyMs !== undefined, "the ready status with latency");
    const ready = statuses.at(-1) as DhiStatus;
    expect(statuses.some((s) => s.model === "loading"), JSON.stringify(statuses)).toBe(true);
    expect(ready.tokensPerSecond).toBeGreaterThan(0);
    expect(ready.lastLatencyMs).toBeGreaterThanOrEqual(0);
    expect(ready.message).toBeUndefined();
    expect(ready.budgetHits).toBeUndefined();

    // The same request again is a cache hit: it is the last latency now (far below a generation's), with the speed kept.
    const before = statuses.length;
    expect((await request(3, 8)).length).toBe(1);
    await c.waitFor(() => statuses.length > before, "a status for the cache hit");
    expect(statuses.at(-1)?.lastLatencyMs, JSON.stringify(statuses.slice(before - 1))).toBeLessThan(ready.lastLatencyMs as number);
    expect(statuses.at(-1)?.tokensPerSecond).toBe(ready.tokensPerSecond);

    // A 1 ms budget: the model cannot answer in time, which counts as a budget hit.
    c.configuration = { model: { threads: 1, contextSize: 2048 }, completion: { responseBudgetMs: 1 } };
    await c.connection.sendNotification("workspace/didChangeConfiguration", { settings: null });
    await new Promise((r) => setTimeout(r, 300));
    await request(2, 14);
    await c.waitFor(() => (statuses.at(-1)?.budgetHits ?? 0) >= 1, "a budget hit in the status");

    // Coalesced: never the same status twice in a row, and only known keys.
    for (let i = 1; i < statuses.length; i++) expect(statuses[i]).not.toEqual(statuses[i - 1]);
    for (const status of statuses) for (const key of Object.keys(status)) expect(KEYS.has(key), key).toBe(true);
    expect(statuses.length).toBeLessThan(12);
    expect(await c.shutdown()).toBe(0);
  }, 120_000);

  it("reports a model that fails to load as an error with its message", async () => {
    const { c, statuses } = statusClient({ env: { DHI_MODEL: "/nonexistent/model.gguf" } });
    await c.initialize(null);
    const uri = "file:///tmp/dhi-status-x.py";
    await c.open(uri, "python", "x = ");
    await c.connection.sendRequest("textDocument/inlineCompletion", { textDocument: { uri }, position: { line: 0, character: 4 }, context: { triggerKind: 2 } });
    await c.waitFor(() => statuses.at(-1)?.model === "error", "the error status");
    expect(statuses.at(-1)?.message).toContain("/nonexistent/model.gguf");
    expect(statuses.at(-1)?.index).toBe("none");
    expect(await c.shutdown()).toBe(0);
  });

  it("follows the model through a code action's resolve", async () => {
    const root = mkdtempSync(join(tmpdir(), "dhi-status-"));
    const text = "def add(a, b):\n    return a + b\n";
    writeFileSync(join(root, "calc.py"), text);
    const { c, statuses } = statusClient({ env: { DHI_MODEL: FIM_MODEL }, configuration: { model: { threads: 1, contextSize: 2048 }, index: { enabled: false } } });
    await c.initialize(root);
    const uri = fileUri(join(root, "calc.py"));
    await c.open(uri, "python", text);
    const range = { start: { line: 0, character: 0 }, end: { line: 1, character: 16 } };
    const actions = await c.connection.sendRequest<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range, context: { diagnostics: [] } });
    const doc = actions.find((a) => a.title === "dhi: Add doc comment");
    expect(doc).toBeDefined();
    await c.connection.sendRequest("codeAction/resolve", doc).catch(() => null); // the tiny model's edit may be rejected: the model loaded either way
    await c.waitFor(() => statuses.at(-1)?.model === "ready", "the model reported ready after the resolve");
    expect(statuses.some((s) => s.model === "loading"), JSON.stringify(statuses)).toBe(true);
    expect(await c.shutdown()).toBe(0);
  }, 60_000);
});
