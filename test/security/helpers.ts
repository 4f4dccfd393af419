import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TestClient } from "../helpers/lspClient.js";
import { EMBED_MODEL } from "../helpers/paths.js";

// The untrusted-repository suite's fixtures: one throwaway repository per attack beside an "outside" folder (a
// secret the repository must not reach) and a fake home with ~/.ssh; a fake backend that records every byte sent
// to it; and the real server, started with recordFileAccess.mjs preloaded so every file it (or a process it starts)
// opens, reads, lists or writes is logged with its real path.

const RECORDER = fileURLToPath(new URL("./fixtures/recordFileAccess.mjs", import.meta.url));

export const OUTSIDE_SECRET = "OUTSIDE_SECRET_TOKEN_5b1e";
export const SSH_SECRET = "SSH_PRIVATE_KEY_MARKER_c0de";

export interface Sandbox {
  base: string;
  outside: string;
  home: string;
}

export function makeSandbox(): Sandbox {
  const base = mkdtempSync(join(tmpdir(), "dhi-untrusted-"));
  const outside = join(base, "outside");
  const home = join(base, "home");
  mkdirSync(join(outside, "dir"), { recursive: true });
  mkdirSync(join(home, ".ssh"), { recursive: true });
  writeFileSync(join(outside, "creds.ts"), `export const token = "${OUTSIDE_SECRET}";\n`);
  writeFileSync(join(outside, "dir", "secret.ts"), `export function leak() { return "${OUTSIDE_SECRET}"; }\n`);
  writeFileSync(join(home, ".ssh", "id_rsa"), `-----BEGIN KEY-----\n${SSH_SECRET}\n-----END KEY-----\n`);
  return { base, outside, home };
}

/** A repository: `files` (text), `links` (path → target). */
export function makeRepository(sandbox: Sandbox, name: string, files: Record<string, string>, links: Record<string, string> = {}): string {
  const root = join(sandbox.base, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  for (const [path, target] of Object.entries(links)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    symlinkSync(target, join(root, path));
  }
  mkdirSync(root, { recursive: true });
  return root;
}

/** An OpenAI-compatible server that answers nothing useful and records every byte it receives. */
export class RecordingBackend {
  private readonly chunks: Buffer[] = [];
  private server: Server | null = null;
  url = "";

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end('{"error":{"message":"recording backend"}}');
      });
    });
    server.on("connection", (socket) => socket.on("data", (chunk: Buffer) => this.chunks.push(chunk)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  get received(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface Access {
  op: "open" | "read" | "write" | "list";
  path: string;
  real: string;
}

/** The real server on `root`, with file access recorded; `env` and `options` are the user's own settings. */
export async function startServer(sandbox: Sandbox, root: string, env: Record<string, string | undefined> = {}, options: unknown = {}): Promise<{ client: TestClient; accessLog: string }> {
  const accessLog = join(sandbox.base, `${root.split("/").pop()}.access.jsonl`);
  const client = new TestClient({
    env: {
      NODE_OPTIONS: `--import=${pathToFileURL(RECORDER).href}`,
      DHI_TEST_ACCESS_LOG: accessLog,
      HOME: sandbox.home,
      DHI_EMBED_MODEL: EMBED_MODEL,
      ...env,
    },
  });
  await client.initialize(root, undefined, { model: { threads: 1 }, completion: { maxTokens: 8, responseBudgetMs: 0 }, ...(options as object) });
  return { client, accessLog };
}

export function accesses(accessLog: string): Access[] {
  if (!existsSync(accessLog)) return [];
  return readFileSync(accessLog, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Access);
}

/** Accesses that reached the outside folder, the fake home or /dev/zero. */
export function outsideAccesses(sandbox: Sandbox, accessLog: string): Access[] {
  return accesses(accessLog).filter((a) => a.real.startsWith(`${sandbox.outside}/`) || a.real === sandbox.outside || a.real.startsWith(`${sandbox.home}/`) || a.real === "/dev/zero");
}

export async function waitForIndex(client: TestClient): Promise<void> {
  await client.waitFor(() => client.logMessages.some((m) => m.message.startsWith("index ready")), "the first index", 90_000);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function inlineCompletion(client: TestClient, uri: string, position: { line: number; character: number }): Promise<unknown> {
  return client.connection.sendRequest("textDocument/inlineCompletion", { textDocument: { uri }, position, context: { triggerKind: 1 } });
}

export function search(client: TestClient, query: string): Promise<Array<{ uri: string; symbol?: string }>> {
  return client.connection.sendRequest("workspace/executeCommand", { command: "dhi.search", arguments: [{ query, k: 50 }] });
}

/** The server process's resident memory, from /proc. */
export function rssMb(client: TestClient): number {
  const status = readFileSync(`/proc/${client.child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
