import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileUri, TestClient } from "../helpers/lspClient.js";
import { EMBED_MODEL, FIM_MODEL } from "../helpers/paths.js";

// An open document over index.maxFileBytes is neither indexed nor used for retrieval, yet still completes (from a
// window around the cursor). The cap is lowered through initializationOptions (the user's own, trusted settings)
// so the document stays small enough for a quick test; bench/large-document.mjs runs the 20 MB case.

const CAP = 100_000;
let root: string;
let client: TestClient;

function largeSource(): string {
  const lines: string[] = [];
  for (let i = 0; lines.join("\n").length < CAP * 2; i++) lines.push(`export function helper${i}(value: number): number {\n  return value + ${i};\n}\n`);
  return `${lines.join("\n")}\nexport function zebraUniqueMarker(size: number): number {\n  return size * 2;\n}\n\nexport function main() {\n  const total = `;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "dhi-large-doc-"));
  writeFileSync(join(root, "small.ts"), "export function add(a: number, b: number) {\n  return a + b;\n}\n");
  client = new TestClient({ env: { DHI_MODEL: FIM_MODEL, DHI_EMBED_MODEL: EMBED_MODEL } });
  await client.initialize(root, undefined, { index: { maxFileBytes: CAP }, model: { threads: 1 }, completion: { maxTokens: 8, responseBudgetMs: 0 } });
  await client.waitFor(() => client.logMessages.some((m) => m.message.startsWith("index ready")), "the first index", 60_000);
});

afterAll(async () => {
  await client.shutdown();
  rmSync(root, { recursive: true, force: true });
});

describe("an open document over index.maxFileBytes", () => {
  it("is not indexed, gets no retrieval, and still gets a completion answer", async () => {
    const text = largeSource();
    expect(text.length).toBeGreaterThan(CAP);
    const uri = fileUri(join(root, "large.ts"));
    await client.open(uri, "typescript", text);
    const lines = text.split("\n");
    const position = { line: lines.length - 1, character: lines[lines.length - 1].length };
    const items = await client.connection.sendRequest<Array<{ insertText: string }>>("textDocument/inlineCompletion", {
      textDocument: { uri }, position, context: { triggerKind: 1 },
    });
    expect(items).toBeInstanceOf(Array);
    // Past the re-index debounce (300 ms) with room to spare: an indexed overlay would be searchable by now.
    await new Promise((r) => setTimeout(r, 2000));
    const hits = await client.connection.sendRequest<Array<{ uri: string; symbol?: string }>>("workspace/executeCommand", {
      command: "dhi.search", arguments: [{ query: "zebraUniqueMarker", k: 20 }],
    });
    expect(hits.filter((h) => h.uri.endsWith("/large.ts"))).toEqual([]);
    // The server is still up and answers for a small document too.
    const small = fileUri(join(root, "small.ts"));
    await client.open(small, "typescript", "export function add(a: number, b: number) {\n  return \n}\n");
    const answer = await client.connection.sendRequest("textDocument/inlineCompletion", {
      textDocument: { uri: small }, position: { line: 1, character: 9 }, context: { triggerKind: 1 },
    });
    expect(answer).toBeInstanceOf(Array);
  });

  it("a document in a frame over 1 MB (parsed as its bytes arrive) is exactly the text sent, and takes edits", async () => {
    // Escapes of every kind, multi-byte UTF-8, surrogate pairs and all three line ends, across the whole frame.
    const line = 'const s = "a \\"quoted\\" \\\\ path\u0001 😀 漢字";\r\nlet t = 1;\rmore\n';
    const text = line.repeat(Math.ceil(1_200_000 / line.length));
    const uri = fileUri(join(root, "streamed.ts"));
    await client.open(uri, "typescript", text);
    expect(await client.connection.sendRequest("dhi/internal/documentText", { uri })).toBe(text);
    const lines = text.split(/\r\n|\r|\n/).length;
    const edits = [
      { range: { start: { line: lines - 1, character: 0 }, end: { line: lines - 1, character: 0 } }, text: "tail();" },
      { range: { start: { line: 30_000, character: 10 }, end: { line: 30_001, character: 3 } }, text: "X\r\n😀" },
    ];
    await client.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: edits });
    const middle = text.split(/(?<=\r\n|\r(?!\n)|\n)/);
    middle[lines - 1] = `tail();${middle[lines - 1] ?? ""}`;
    middle.splice(30_000, 2, `${middle[30_000]!.slice(0, 10)}X\r\n😀${middle[30_001]!.slice(3)}`);
    expect(await client.connection.sendRequest("dhi/internal/documentText", { uri })).toBe(middle.join(""));
  });
});
