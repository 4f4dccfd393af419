// A minimal JSON-RPC client driving the built `dhi --stdio` as a child process, for benchmarks that measure
// the server path as an editor sees it (the tests' client lives in test/helpers/lspClient.ts).
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver-protocol/node";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** Starts the server on `root` with `settings` as initializationOptions and the same as workspace/configuration. */
export async function startDhi({ root, settings, env = {} }) {
  const cacheDir = env.DHI_CACHE_DIR ?? mkdtempSync(join(tmpdir(), "dhi-bench-cache-"));
  const child = spawn(process.execPath, [CLI, "--stdio"], {
    env: { ...process.env, DHI_CACHE_DIR: cacheDir, DHI_LOG_LEVEL: "debug", ...env },
    stdio: "pipe",
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-200_000)));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const logs = [];
  connection.onNotification("window/logMessage", (m) => logs.push(m.message));
  connection.onNotification("window/showMessage", (m) => process.stderr.write(`[dhi] ${m.message}\n`));
  connection.onRequest("workspace/configuration", (p) => p.items.map(() => settings));
  connection.onRequest("window/workDoneProgress/create", () => null);
  connection.onRequest("client/registerCapability", () => null);
  connection.listen();
  const rootUri = pathToFileURL(root).href;
  await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: "bench" }],
    capabilities: {
      textDocument: { synchronization: {}, completion: {}, inlineCompletion: {} },
      workspace: { configuration: true, workspaceFolders: true },
      window: { workDoneProgress: true },
    },
    initializationOptions: settings,
  });
  await connection.sendNotification("initialized", {});
  const versions = new Map();
  return {
    logs,
    get stderr() {
      return stderr;
    },
    open(uri, languageId, text) {
      versions.set(uri, 1);
      return connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId, version: 1, text } });
    },
    /** Replaces the whole text (a full-document change, which incremental sync accepts). */
    change(uri, text) {
      const version = (versions.get(uri) ?? 1) + 1;
      versions.set(uri, version);
      return connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
    },
    close(uri) {
      return connection.sendNotification("textDocument/didClose", { textDocument: { uri } });
    },
    /** One inline completion; returns the wall time the client saw and the first item's text ("" for none). */
    async inline(uri, position) {
      const t0 = performance.now();
      const items = await connection.sendRequest("textDocument/inlineCompletion", { textDocument: { uri }, position, context: { triggerKind: 2 } });
      const ms = performance.now() - t0;
      const list = Array.isArray(items) ? items : items?.items ?? [];
      return { ms, text: list[0]?.insertText ?? "" };
    },
    async stop() {
      await connection.sendRequest("shutdown").catch(() => undefined);
      await connection.sendNotification("exit").catch(() => undefined);
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      connection.dispose();
    },
  };
}

/** The 0-based LSP position of `offset` in `text` (UTF-16, which JS string indices are). */
export function positionAt(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}
