import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { InlineCompletionItem } from "vscode-languageserver-protocol";
import { fileUri, TestClient } from "../helpers/lspClient.js";
import { CLI, FIM_MODEL } from "../helpers/paths.js";

// Several suggestions (completion.suggestions) and partial accepts, with the tiny real model through the real server.

const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.kill();
});

const TEXT = "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        \n";
const POSITION = { line: 3, character: 8 };
const idOf = (item: InlineCompletionItem) => (item.command?.arguments?.[0] as { id: string }).id;

/** The shortest start of `text` that none of `others` begins with. */
function distinguishingStart(text: string, others: string[]): string {
  for (let n = 1; n < text.length; n++) if (!others.some((o) => o.startsWith(text.slice(0, n)))) return text.slice(0, n);
  throw new Error(`no start of ${JSON.stringify(text)} tells it apart from ${JSON.stringify(others)}`);
}

describe("several suggestions", () => {
  it("returns distinct suggestions, follows the one the user types, and counts partial accepts", async () => {
    const root = mkdtempSync(join(tmpdir(), "dhi-suggest-"));
    writeFileSync(join(root, "point.py"), TEXT);
    const settings = { model: { threads: 1, contextSize: 2048 }, completion: { responseBudgetMs: 0, suggestions: 3 } };
    const c = new TestClient({ env: { DHI_MODEL: FIM_MODEL }, configuration: settings });
    clients.push(c);
    await c.initialize(root);
    const uri = fileUri(join(root, "point.py"));
    await c.open(uri, "python", TEXT);

    const items = await c.connection.sendRequest<InlineCompletionItem[]>("textDocument/inlineCompletion", { textDocument: { uri }, position: POSITION, context: { triggerKind: 1 } });
    expect(items).toHaveLength(3);
    const texts = items.map((item) => item.insertText as string);
    expect(new Set(texts).size).toBe(3);
    expect(new Set(items.map(idOf)).size).toBe(3);
    for (const item of items) {
      expect(item.range?.start).toEqual(POSITION);
      expect(item.command?.command).toBe("dhi.completion.accepted");
      // Each one was post-processed: a single statement line here, no trailing blank, no stray EOS text.
      expect((item.insertText as string).trim().length).toBeGreaterThan(0);
      expect(item.insertText).not.toMatch(/<\|endoftext\|>|\s$/);
    }

    // The user types the start of the second suggestion: the rest of it comes back first, from the cache.
    const typed = distinguishingStart(texts[1], [texts[0], texts[2]]);
    await c.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: POSITION, end: POSITION }, text: typed }],
    });
    const position = { line: POSITION.line, character: POSITION.character + typed.length };
    const followed = await c.connection.sendRequest<InlineCompletionItem[]>("textDocument/inlineCompletion", { textDocument: { uri }, position, context: { triggerKind: 2 } });
    expect(followed[0]?.insertText).toBe(texts[1].slice(typed.length));
    expect(idOf(followed[0])).toBe(idOf(items[1]));
    expect(followed.map((item) => item.insertText)).not.toContain(texts[0].slice(typed.length));

    // Accepting a word of it: counted as a partial accept of the request's completion.
    await c.connection.sendRequest("workspace/executeCommand", { command: "dhi.completion.partiallyAccepted", arguments: [{ id: idOf(items[1]), acceptedLength: 4 }] });
    const bad = await c.connection
      .sendRequest("workspace/executeCommand", { command: "dhi.completion.partiallyAccepted", arguments: [{ id: idOf(items[1]), acceptedLength: "a word" }] })
      .then(() => null, (e: { message: string }) => e.message);
    expect(bad).toMatch(/^dhi: invalid arguments for dhi\.completion\.partiallyAccepted: acceptedLength: /);
    expect(await c.shutdown()).toBe(0);

    const doctor = (json: boolean) =>
      spawnSync(process.execPath, [CLI, "doctor", ...(json ? ["--json"] : []), "--dir", root], { env: { ...process.env, DHI_CACHE_DIR: c.cacheDir, DHI_MODEL: FIM_MODEL, DHI_SANDBOX: "none" }, encoding: "utf8" });
    const report = JSON.parse(doctor(true).stdout) as { acceptance: Record<string, number> | null };
    // Three suggestions shown for one request count as one completion shown.
    expect(report.acceptance).toEqual({ shown: 1, accepted: 0, rate: 0, partiallyAccepted: 1, partialRate: 1 });
    expect(doctor(false).stdout).toContain("completions: 0/1 accepted (0.0%), 1 more accepted in part (100.0%)");
  }, 120_000);

  it("rejects a suggestions count over the bound by name and keeps one suggestion", async () => {
    const root = mkdtempSync(join(tmpdir(), "dhi-suggest-"));
    const c = new TestClient({ env: { DHI_MODEL: FIM_MODEL }, configuration: { model: { threads: 1, contextSize: 2048 }, completion: { responseBudgetMs: 0, suggestions: 50 } } });
    clients.push(c);
    await c.initialize(root);
    await c.waitFor(() => c.shownMessages.some((m) => m.message.includes("completion.suggestions")), "the suggestions error");
    const uri = fileUri(join(root, "point.py"));
    await c.open(uri, "python", TEXT);
    const items = await c.connection.sendRequest<InlineCompletionItem[]>("textDocument/inlineCompletion", { textDocument: { uri }, position: POSITION, context: { triggerKind: 1 } });
    expect(items).toHaveLength(1);
    expect(await c.shutdown()).toBe(0);
  }, 60_000);
});
