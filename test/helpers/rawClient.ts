import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StreamMessageReader } from "vscode-languageserver-protocol/node";
import { CLI } from "./paths.js";

export interface RawResponse {
  id: number | string | null;
  result?: unknown;
  error?: { code: number; message: string };
}

/** `dhi --stdio` driven with raw bytes, for frames no well-behaved client would send; replies are parsed. */
export class RawClient {
  readonly child: ChildProcessWithoutNullStreams;
  readonly responses: RawResponse[] = [];
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  stderr = "";
  readonly exited: Promise<number | null>;
  private nextId = 1;

  constructor(env: Record<string, string | undefined> = {}, private readonly configuration: unknown = null) {
    const merged: Record<string, string | undefined> = { ...process.env, DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-raw-cache-")), DHI_MODEL: undefined, DHI_LOG_LEVEL: "debug", ...env };
    for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
    this.child = spawn(process.execPath, [CLI, "--stdio"], { env: merged as NodeJS.ProcessEnv, stdio: "pipe" });
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
    const reader = new StreamMessageReader(this.child.stdout);
    reader.listen((message) => {
      const m = message as unknown as Record<string, unknown>;
      if (typeof m.method === "string" && "id" in m) {
        // A request from the server (configuration, progress, registration): answer so it never waits.
        this.sendMessage({ jsonrpc: "2.0", id: m.id, result: m.method === "workspace/configuration" ? [this.configuration] : null });
      } else if (typeof m.method === "string") this.notifications.push({ method: m.method, params: m.params });
      else this.responses.push(m as unknown as RawResponse);
    });
  }

  /** Writes bytes as they are: no framing is added. */
  write(bytes: string | Buffer): void {
    this.child.stdin.write(bytes);
  }

  /** One well-formed frame holding `body` (any JSON value, or a string sent verbatim). */
  frame(body: unknown): Buffer {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const bytes = Buffer.from(text, "utf8");
    return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`, "latin1"), bytes]);
  }

  sendMessage(message: unknown): void {
    this.write(this.frame(message));
  }

  /** Sends a request and returns its id. */
  request(method: string, params?: unknown): number {
    const id = this.nextId++;
    this.sendMessage(params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params });
    return id;
  }

  notify(method: string, params?: unknown): void {
    this.sendMessage(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params });
  }

  async response(id: number | string | null, timeoutMs = 15_000): Promise<RawResponse> {
    const start = Date.now();
    for (;;) {
      const found = this.responses.find((r) => r.id === id);
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`the server exited (${this.child.exitCode}) before answering ${String(id)}; stderr:\n${this.stderr.slice(-2000)}`);
      if (Date.now() - start > timeoutMs) throw new Error(`no answer to request ${String(id)} in ${timeoutMs} ms; stderr:\n${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async call(method: string, params?: unknown): Promise<RawResponse> {
    return this.response(this.request(method, params));
  }

  async initialize(rootUri: string | null = null, initializationOptions?: unknown): Promise<void> {
    const answer = await this.call("initialize", { processId: process.pid, rootUri, capabilities: { workspace: { configuration: true } }, initializationOptions });
    if (answer.error) throw new Error(`initialize failed: ${answer.error.message}`);
    this.notify("initialized", {});
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}
