import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CompletionList } from "vscode-languageserver-protocol";
import { closedPort, jsonResponse, startFakeHttpServer, streamed, type FakeHttpServer } from "../helpers/fakeHttpServer.js";
import { fileUri, TestClient } from "../helpers/lspClient.js";

// backend.type "ollama" through the real server: completions come from Ollama's native API (a local fake
// replaying the documented shapes, see test/inference/fixtures/ollama-README.md), and Ollama being down is
// one clear message, never a crash.

const fixture = (name: string): string => readFileSync(new URL(`../inference/fixtures/${name}`, import.meta.url), "utf8");

let fake: FakeHttpServer;
beforeAll(async () => {
  fake = await startFakeHttpServer(jsonResponse(404, { error: "404 page not found" }));
});
afterAll(() => fake.close());
const clients: TestClient[] = [];
afterEach(() => {
  fake.reset();
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.kill();
});

async function start(url: string): Promise<{ client: TestClient; uri: string }> {
  const root = mkdtempSync(join(tmpdir(), "dhi-ollama-"));
  writeFileSync(join(root, "a.py"), "import os\nx = os.\n");
  const client = new TestClient({ configuration: { backend: { type: "ollama", url, model: "qwen2.5-coder:1.5b-base" }, index: { enabled: false }, completion: { responseBudgetMs: 0 } } });
  clients.push(client);
  await client.initialize(root);
  const uri = fileUri(join(root, "a.py"));
  await client.open(uri, "python", "import os\nx = os.\n");
  return { client, uri };
}

const complete = (client: TestClient, uri: string) =>
  client.connection.sendRequest<CompletionList>("textDocument/completion", { textDocument: { uri }, position: { line: 1, character: 7 } });

describe('backend.type "ollama" through the server', () => {
  it("completes through /api/generate with the suffix", async () => {
    fake.routes = {
      "GET /api/tags": jsonResponse(200, JSON.parse(fixture("ollama-tags.json")) as unknown),
      "POST /api/show": jsonResponse(200, JSON.parse(fixture("ollama-show.json")) as unknown),
      "POST /api/generate": streamed("application/x-ndjson", fixture("ollama-generate.ndjson").split(/(?<=\n)/)),
    };
    const { client, uri } = await start(fake.base);
    const list = await complete(client, uri);
    expect(list.items[0]?.textEdit?.newText ?? list.items[0]?.insertText).toMatch(/^path\.join/);
    const sent = JSON.parse(fake.seen.find((s) => s.path === "/api/generate")?.body ?? "{}") as { suffix?: string; keep_alive?: string };
    expect(sent.suffix).toBe("\n");
    expect(sent.keep_alive).toBe("30m");
    expect(await client.shutdown()).toBe(0);
  });

  it("Ollama refusing the connection: an empty answer and one clear message, and the server keeps serving", async () => {
    const port = await closedPort();
    const { client, uri } = await start(`http://127.0.0.1:${port}`);
    for (let i = 0; i < 2; i++) expect((await complete(client, uri)).items).toEqual([]);
    const errors = client.shownMessages.filter((m) => m.message.includes("Ollama"));
    expect(errors.map((m) => m.message)).toEqual([`dhi: cannot connect to Ollama at http://127.0.0.1:${port} (connection refused). Start it with \`ollama serve\`, or set "backend.url".`]);
    expect(await client.shutdown()).toBe(0);
  });
});
