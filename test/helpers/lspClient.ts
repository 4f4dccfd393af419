import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type InitializeResult,
  type ProtocolConnection,
} from "vscode-languageserver-protocol/node";
import { CLI } from "./paths.js";

export interface Message {
  type: number;
  message: string;
}

export interface TestClientOptions {
  env?: Record<string, string | undefined>;
  /** Answer to workspace/configuration for section "dhi". */
  configuration?: unknown;
  args?: string[];
  /** The program that runs dhi: default `node <clone>/dist/cli.js`; the install tests pass an installed `dhi`. */
  command?: string[];
  /** The server's working folder, as an editor sets it to the project. */
  cwd?: string;
}

/** A real JSON-RPC client driving `dhi --stdio` as a child process. */
export class TestClient {
  readonly connection: ProtocolConnection;
  readonly child: ChildProcessWithoutNullStreams;
  readonly shownMessages: Message[] = [];
  readonly logMessages: Message[] = [];
  readonly progress: unknown[] = [];
  readonly progressTokens: unknown[] = [];
  /** URIs the server asked to show (window/showDocument). */
  readonly shownDocuments: string[] = [];
  stderr = "";
  configuration: unknown;
  readonly exited: Promise<number | null>;
  /** The server's DHI_CACHE_DIR (a fresh temp folder per client unless the env names one). */
  readonly cacheDir: string;

  constructor(options: TestClientOptions = {}) {
    const cacheDir = options.env?.DHI_CACHE_DIR ?? mkdtempSync(join(tmpdir(), "dhi-test-cache-"));
    this.cacheDir = cacheDir;
    this.configuration = options.configuration ?? null;
    const env: Record<string, string | undefined> = { ...process.env, DHI_CACHE_DIR: cacheDir, DHI_LOG_LEVEL: "debug", DHI_MODEL: undefined, DHI_DRAFT_MODEL: undefined, ...options.env };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const [program, ...programArgs] = options.command ?? [process.execPath, CLI];
    this.child = spawn(program!, [...programArgs, ...(options.args ?? ["--stdio"])], { env: env as NodeJS.ProcessEnv, stdio: "pipe", cwd: options.cwd });
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
    this.connection = createProtocolConnection(new StreamMessageReader(this.child.stdout), new StreamMessageWriter(this.child.stdin));
    this.connection.onNotification("window/showMessage", (m: Message) => void this.shownMessages.push(m));
    this.connection.onNotification("window/logMessage", (m: Message) => void this.logMessages.push(m));
    this.connection.onNotification("$/progress", (p: unknown) => void this.progress.push(p));
    this.connection.onRequest("window/workDoneProgress/create", (p: { token: unknown }) => {
      this.progressTokens.push(p.token);
      return null;
    });
    this.connection.onRequest("workspace/configuration", (p: { items: unknown[] }) => p.items.map(() => this.configuration));
    this.connection.onRequest("client/registerCapability", () => null);
    this.connection.onRequest("workspace/applyEdit", () => ({ applied: true }));
    this.connection.onRequest("window/showDocument", (p: { uri: string }) => {
      this.shownDocuments.push(p.uri);
      return { success: true };
    });
    this.connection.listen();
  }

  async initialize(rootPath: string | null, capabilities: ClientCapabilities = fullCapabilities(), initializationOptions?: unknown): Promise<InitializeResult> {
    const rootUri = rootPath ? pathToFileURL(rootPath).href : null;
    const result = await this.connection.sendRequest<InitializeResult>("initialize", {
      processId: process.pid,
      rootUri,
      workspaceFolders: rootUri ? [{ uri: rootUri, name: "test" }] : null,
      capabilities,
      initializationOptions,
    });
    await this.connection.sendNotification("initialized", {});
    return result;
  }

  open(uri: string, languageId: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId, version, text } });
  }

  async shutdown(): Promise<number | null> {
    await this.connection.sendRequest("shutdown");
    await this.connection.sendNotification("exit");
    const code = await this.exited;
    this.connection.dispose();
    return code;
  }

  kill(): void {
    this.child.kill("SIGKILL");
    this.connection.dispose();
  }

  /** Waits until `predicate` holds, polling; fails with `what` after `timeoutMs`. */
  async waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const start = Date.now();
    while (!predicate()) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; stderr:\n${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export function fullCapabilities(): ClientCapabilities {
  return {
    textDocument: {
      synchronization: { dynamicRegistration: false },
      completion: { completionItem: { snippetSupport: false } },
      inlineCompletion: { dynamicRegistration: false },
      codeAction: { resolveSupport: { properties: ["edit"] }, dataSupport: true },
    },
    workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true }, applyEdit: true, workspaceEdit: { documentChanges: true, resourceOperations: ["create", "rename", "delete"], changeAnnotationSupport: { groupsOnLabel: true } } },
    window: { workDoneProgress: true, showMessage: {}, showDocument: { support: true } },
  };
}

export function minimalCapabilities(): ClientCapabilities {
  return { textDocument: { completion: {} }, workspace: {}, window: {} };
}

export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}
