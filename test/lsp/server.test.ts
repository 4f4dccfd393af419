import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LSPErrorCodes, type CompletionList, type InlineCompletionItem } from "vscode-languageserver-protocol";
import { parseLatency } from "../../server/completion/latency.js";
import { fileUri, fullCapabilities, minimalCapabilities, TestClient } from "../helpers/lspClient.js";
import { CLI, FIM_MODEL } from "../helpers/paths.js";

const clients: TestClient[] = [];
function client(options: ConstructorParameters<typeof TestClient>[0] = {}): TestClient {
  const c = new TestClient(options);
  clients.push(c);
  return c;
}
afterEach(() => {
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.kill();
});

function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "dhi-ws-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const MODEL_ENV = { DHI_MODEL: FIM_MODEL };
const FAST_MODEL_SETTINGS = { model: { threads: 1, contextSize: 2048 }, completion: { responseBudgetMs: 0 } };

describe("lifecycle and capabilities", () => {
  it("advertises inline completion only to clients that support it", async () => {
    const full = client();
    const fullResult = await full.initialize(workspace(), fullCapabilities());
    expect(fullResult.capabilities.inlineCompletionProvider).toBeTruthy();
    expect(fullResult.capabilities.completionProvider).toBeDefined();
    expect(fullResult.capabilities.textDocumentSync).toMatchObject({ change: 2 });
    expect(fullResult.capabilities.codeActionProvider).toMatchObject({ resolveProvider: true });
    expect([...(fullResult.capabilities.executeCommandProvider?.commands ?? [])].sort()).toEqual(
      ["dhi.agent.run", "dhi.agent.resume", "dhi.agent.undo", "dhi.index.rebuild", "dhi.search", "dhi.tests.run", "dhi.architecture", "dhi.completion.accepted", "dhi.completion.partiallyAccepted", "dhi.actions.showAnswer", "dhi.workspace.trust"].sort(),
    );
    expect(fullResult.capabilities.codeActionProvider).toMatchObject({
      codeActionKinds: ["refactor.rewrite.dhi", "quickfix.dhi", "source.dhi.doc", "source.dhi.tests", "refactor.dhi.explain", "refactor.dhi.custom", "source.dhi.agent"],
    });
    expect(await full.shutdown()).toBe(0);

    const minimal = client();
    const minimalResult = await minimal.initialize(null, minimalCapabilities());
    expect(minimalResult.capabilities.inlineCompletionProvider).toBeUndefined();
    expect(minimalResult.capabilities.completionProvider).toBeDefined();
    expect(await minimal.shutdown()).toBe(0);
  });

  it("exits with 1 when exit comes without shutdown", async () => {
    const c = client();
    await c.initialize(null);
    await c.connection.sendNotification("exit");
    expect(await c.exited).toBe(1);
  });

  it("exits when the parent process named in initialize dies", async () => {
    const parent = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    const c = client();
    await c.connection.sendRequest("initialize", { processId: parent.pid, rootUri: null, capabilities: {} });
    await c.connection.sendNotification("initialized", {});
    parent.kill("SIGKILL");
    const code = await Promise.race([c.exited, new Promise<string>((r) => setTimeout(() => r("still running"), 10_000))]);
    expect(code).not.toBe("still running");
  });

  it("exits when its stdin closes (the parent went away)", async () => {
    const c = client();
    await c.initialize(null);
    c.child.stdin.end();
    expect(await c.exited).not.toBeNull();
  });
});

describe("transports", () => {
  it("serves over --socket=PORT (the client listens, the server connects)", async () => {
    const { createServer } = await import("node:net");
    const { createProtocolConnection, SocketMessageReader, SocketMessageWriter } = await import("vscode-languageserver-protocol/node");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const connected = new Promise<import("node:net").Socket>((resolve) => server.once("connection", resolve));
    const child = spawn(process.execPath, [CLI, `--socket=${port}`], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      const socket = await connected;
      const connection = createProtocolConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
      connection.listen();
      const result = await connection.sendRequest<{ serverInfo?: { name: string } }>("initialize", { processId: null, rootUri: null, capabilities: {} });
      expect(result.serverInfo?.name).toBe("dhi");
      await connection.sendRequest("shutdown");
      // The request gate guards every transport, not only stdio.
      await expect(connection.sendRequest("dhi/internal/documentText", { uri: "file:///x" })).rejects.toMatchObject({ code: -32600 });
      connection.dispose();
      socket.destroy();
      expect(stdout).toBe(""); // logs never go to stdout
    } finally {
      child.kill();
      server.close();
    }
  });
});

describe("incremental document sync", () => {
  it("applies UTF-16 ranges correctly over emoji, CJK and CRLF", async () => {
    const c = client();
    await c.initialize(null);
    const uri = "file:///tmp/dhi-sync-test.py";
    await c.open(uri, "python", "s = '😀漢字'\r\nprint(s)\r\n");
    // Replace 漢 (after a surrogate pair: UTF-16 column 6..7) and insert after the emoji.
    await c.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [
        { range: { start: { line: 0, character: 7 }, end: { line: 0, character: 8 } }, text: "語" },
        { range: { start: { line: 0, character: 7 }, end: { line: 0, character: 7 } }, text: "🎉" },
        { range: { start: { line: 1, character: 6 }, end: { line: 1, character: 7 } }, text: "s + s" },
      ],
    });
    const text = await c.connection.sendRequest<string>("dhi/internal/documentText", { uri });
    expect(text).toBe("s = '😀🎉語字'\r\nprint(s + s)\r\n");
    expect(await c.shutdown()).toBe(0);
  });
});

describe("settings", () => {
  it("reports a bad setting by key and keeps serving", async () => {
    const root = workspace({ ".dhi.json": JSON.stringify({ completion: { maxTokens: "lots" }, bogus: 1 }) });
    const c = client({ configuration: { sandbox: { timeoutMs: -5 } } });
    await c.initialize(root);
    await c.waitFor(() => c.shownMessages.some((m) => m.message.includes("completion.maxTokens")), "the maxTokens error");
    await c.waitFor(() => c.shownMessages.some((m) => m.message.includes("sandbox.timeoutMs")), "the timeoutMs error");
    expect(c.shownMessages.some((m) => m.message.includes('"bogus"')), JSON.stringify(c.shownMessages)).toBe(true);
    const list = await c.connection.sendRequest<CompletionList>("textDocument/completion", {
      textDocument: { uri: "file:///nowhere.py" },
      position: { line: 0, character: 0 },
    });
    expect(list.items).toEqual([]);
    expect(await c.shutdown()).toBe(0);
  });

  it("re-reads workspace/configuration on didChangeConfiguration", async () => {
    const c = client({ configuration: { completion: { debounceMs: 5 } } });
    await c.initialize(workspace());
    await new Promise((r) => setTimeout(r, 300));
    expect(c.shownMessages).toEqual([]);
    c.configuration = { completion: { debounceMs: "later" } };
    await c.connection.sendNotification("workspace/didChangeConfiguration", { settings: null });
    await c.waitFor(() => c.shownMessages.some((m) => m.message.includes("completion.debounceMs")), "the new setting's error");
    expect(await c.shutdown()).toBe(0);
  });

  it("reports a broken .dhi.json without dying", async () => {
    const root = workspace({ ".dhi.json": "{ not json" });
    const c = client();
    await c.initialize(root);
    await c.waitFor(() => c.shownMessages.some((m) => m.message.includes(".dhi.json is not valid JSON")), "the JSON error");
    expect(await c.shutdown()).toBe(0);
  });
});

describe("completion without a model", () => {
  it("answers empty and explains how to configure a model, once", async () => {
    const root = workspace({ "a.py": "def f():\n    \n" });
    const c = client();
    await c.initialize(root);
    const uri = fileUri(join(root, "a.py"));
    await c.open(uri, "python", "def f():\n    \n");
    for (let i = 0; i < 3; i++) {
      const list = await c.connection.sendRequest<CompletionList>("textDocument/completion", { textDocument: { uri }, position: { line: 1, character: 4 } });
      expect(list.items).toEqual([]);
    }
    const modelMessages = c.shownMessages.filter((m) => m.message.includes("DHI_MODEL"));
    expect(modelMessages).toHaveLength(1);
    expect(modelMessages[0].message).toContain("model.path");
    expect(await c.shutdown()).toBe(0);
  });

  it("names a missing model file", async () => {
    const c = client({ env: { DHI_MODEL: "/nonexistent/model.gguf" } });
    await c.initialize(null);
    const uri = "file:///tmp/x.py";
    await c.open(uri, "python", "x = ");
    const items = await c.connection.sendRequest<InlineCompletionItem[]>("textDocument/inlineCompletion", {
      textDocument: { uri },
      position: { line: 0, character: 4 },
      context: { triggerKind: 2 },
    });
    expect(items).toEqual([]);
    await c.waitFor(() => c.shownMessages.some((m) => m.message.includes("/nonexistent/model.gguf")), "the missing-file message");
    expect(await c.shutdown()).toBe(0);
  });
});

describe("completion with the shared FIM model", () => {
  // Prompts on which the tiny model's greedy output survives post-processing (checked against real output).
  const cases = [
    { file: "point.py", languageId: "python", text: "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        \n", line: 3, character: 8 },
    { file: "config.ts", languageId: "typescript", text: 'import * as fs from "fs";\n\nexport function readConfig(path: string) {\n  const text = \n}\n', line: 3, character: 15 },
  ];
  for (const testCase of cases) {
    it(`completes ${testCase.file} through completion and inline completion`, async () => {
      const root = workspace({ [testCase.file]: testCase.text });
      const c = client({ env: MODEL_ENV, configuration: FAST_MODEL_SETTINGS });
      await c.initialize(root);
      const uri = fileUri(join(root, testCase.file));
      await c.open(uri, testCase.languageId, testCase.text);
      const position = { line: testCase.line, character: testCase.character };

      const inline = await c.connection.sendRequest<InlineCompletionItem[]>("textDocument/inlineCompletion", {
        textDocument: { uri },
        position,
        context: { triggerKind: 1 },
      });
      expect(inline.length).toBe(1);
      const insert = inline[0].insertText as string;
      expect(insert.trim().length).toBeGreaterThan(0);
      expect(inline[0].range?.start).toEqual(position);
      expect(inline[0].command?.command).toBe("dhi.completion.accepted");

      const list = await c.connection.sendRequest<CompletionList>("textDocument/completion", { textDocument: { uri }, position });
      expect(list.isIncomplete, JSON.stringify(list)).toBe(true);
      expect(list.items).toHaveLength(1);
      const item = list.items[0];
      const edit = item.textEdit as { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string };
      expect(edit.range.start.line).toBe(position.line);
      expect(edit.range.start.character).toBeLessThanOrEqual(position.character);
      expect(edit.range.end.line).toBe(position.line);
      expect(edit.range.end.character).toBeGreaterThanOrEqual(position.character);
      expect(edit.newText.trim().length).toBeGreaterThan(0);
      expect(item.filterText).toBe(edit.newText);
      expect(c.progressTokens.length).toBeGreaterThan(0); // model load reported progress
      // Every completion logs where its time went (debug level): the first waited for the model load and ran it.
      const latencies = c.logMessages.map((m) => parseLatency(m.message)).filter((r) => r !== null);
      expect(latencies).toHaveLength(2);
      expect(latencies[0]).toMatchObject({ path: testCase.file, outcome: expect.stringMatching(/^(generated|budget)$/) });
      expect(latencies[0]?.waiting.load).toBeGreaterThan(0);
      expect(latencies[0]?.waiting).toHaveProperty("settings");
      // From the request being read off the wire to its handler.
      expect(latencies[0]?.waiting.dispatch).toBeGreaterThanOrEqual(0);
      expect(latencies[0]?.phases).toHaveProperty("context");
      // Its forward passes, and on the direct path the generation's waits for llama.cpp, inside the generation phase.
      const steps = latencies[0]?.steps ?? {};
      expect(steps.passes).toBeGreaterThan(0);
      expect(steps.direct).toBe(steps.passes);
      expect((steps.decodeWaitMs ?? 0) + (steps.sampleWaitMs ?? 0)).toBeLessThanOrEqual((latencies[0]?.phases.generation ?? 0) + 0.02);
      // The collector's pauses while it ran (counted in test/util/gcPauses.test.ts), within its time.
      expect(latencies[0]?.gcMs).toBeGreaterThanOrEqual(0);
      expect(latencies[0]?.gcMs).toBeLessThanOrEqual(latencies[0]?.totalMs ?? 0);
      expect(latencies[1]?.outcome).toMatch(/^(typeThrough|lru|joined|generated)$/);
      await c.connection.sendRequest("workspace/executeCommand", { command: "dhi.completion.accepted", arguments: [{ id: (item.command?.arguments?.[0] as { id: string }).id }] });
      expect(await c.shutdown()).toBe(0);

      // Acceptance is counted locally and reported by `dhi doctor --json`.
      const doctor = spawnSync(process.execPath, [CLI, "doctor", "--json", "--dir", root], { env: { ...process.env, DHI_CACHE_DIR: c.cacheDir, DHI_MODEL: FIM_MODEL, DHI_SANDBOX: "none" }, encoding: "utf8" });
      const report = JSON.parse(doctor.stdout) as { acceptance: { shown: number; accepted: number; rate: number } | null };
      expect(report.acceptance?.accepted).toBe(1);
      expect(report.acceptance?.shown).toBeGreaterThanOrEqual(1);
    });
  }

  it("answers RequestCancelled promptly when an in-flight completion is cancelled", async () => {
    const root = workspace({ "slow.py": "def f():\n    \n" });
    const c = client({ env: MODEL_ENV, configuration: { ...FAST_MODEL_SETTINGS, completion: { responseBudgetMs: 0, debounceMs: 3000 } } });
    await c.initialize(root);
    const uri = fileUri(join(root, "slow.py"));
    await c.open(uri, "python", "def f():\n    \n");
    const source = new (await import("vscode-languageserver-protocol")).CancellationTokenSource();
    const started = Date.now();
    const pending = c.connection.sendRequest("textDocument/completion", { textDocument: { uri }, position: { line: 1, character: 4 } }, source.token);
    setTimeout(() => source.cancel(), 200);
    const error = await pending.then(
      () => null,
      (e: { code?: number }) => e,
    );
    expect(error?.code).toBe(LSPErrorCodes.RequestCancelled);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(await c.shutdown()).toBe(0);
  });
});

describe("robustness", () => {
  it("survives malformed JSON-RPC and keeps answering", async () => {
    const c = client();
    await c.initialize(null);
    const garbage = "{ this is not json";
    c.child.stdin.write(`Content-Length: ${Buffer.byteLength(garbage)}\r\n\r\n${garbage}`);
    const unknown = await c.connection.sendRequest("dhi/nonexistent", {}).then(
      () => "ok",
      (e: { code?: number }) => e.code,
    );
    expect(unknown, "an unknown method gets MethodNotFound").toBe(-32601);
    expect(c.child.exitCode).toBeNull();
    expect(await c.shutdown()).toBe(0);
  });
});
