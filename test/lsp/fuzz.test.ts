import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient } from "../helpers/rawClient.js";
import { FIM_MODEL } from "../helpers/paths.js";

// Protocol fuzzing against the real server (one process for the whole run): JSON-RPC frames and LSP params
// generated with fast-check. Nothing crashes, every request is answered with a result or a clear error, and
// the server still answers a valid completion afterwards. `npm run bench:fuzz` runs many more cases.

const RUNS = Number(process.env.DHI_FUZZ_RUNS ?? 25);
const SEED = Number(process.env.DHI_FUZZ_SEED ?? 18);

const root = mkdtempSync(join(tmpdir(), "dhi-fuzz-"));
writeFileSync(join(root, "a.py"), "def add(a, b):\n    return a + b\n");
const DOC = pathToFileURL(join(root, "a.py")).href;
const SETTINGS = { model: { threads: 1, contextSize: 2048 }, completion: { responseBudgetMs: 0, maxTokens: 8 }, index: { enabled: false }, sandbox: { backend: "none" } };

const REQUESTS = [
  "textDocument/completion", "textDocument/inlineCompletion", "textDocument/codeAction", "codeAction/resolve",
  "workspace/executeCommand", "dhi/internal/documentText", "completionItem/resolve", "textDocument/hover", "no/such/method",
];
const NOTIFICATIONS = ["textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "textDocument/didSave", "$/cancelRequest", "workspace/didChangeWatchedFiles", "workspace/didChangeConfiguration", "$/setTrace", "no/such/notification"];
// Commands whose valid arguments would start long work (an agent run, a rebuild, a test run) get fuzzed arguments only.
const COMMANDS = ["dhi.agent.resume", "dhi.agent.undo", "dhi.search", "dhi.completion.accepted", "dhi.completion.partiallyAccepted", "dhi.workspace.trust", "dhi.nope"];

const int = fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constantFrom(-1, 2 ** 31, Number.MAX_SAFE_INTEGER, 1.5));
const position = fc.record({ line: int, character: int });
const uri = fc.oneof(fc.constant(DOC), fc.constantFrom("file:///etc/passwd", "untitled:x", "file:///", "not a uri", "file:///%E0%A4%A"), fc.webUrl());
const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom("\r\n", "😀\u{20000}", "\uD800", "x".repeat(5000)));
const junk = fc.anything({ maxDepth: 2 });
/** Mostly well-shaped LSP params with wrong pieces, sometimes anything at all. */
const params = fc.oneof(
  { weight: 3, arbitrary: fc.record({ textDocument: fc.record({ uri, version: int, text, languageId: fc.constantFrom("python", "typescript", "nope") }, { requiredKeys: [] }), position, range: fc.record({ start: position, end: position }), context: fc.oneof(fc.record({ diagnostics: fc.array(junk, { maxLength: 2 }), triggerKind: int, only: fc.array(fc.string(), { maxLength: 2 }) }), junk), contentChanges: fc.array(fc.oneof(fc.record({ range: fc.record({ start: position, end: position }), text }), fc.record({ text }), junk), { maxLength: 3 }), command: fc.constantFrom(...COMMANDS), arguments: fc.array(junk, { maxLength: 2 }), title: fc.string(), data: junk, uri, id: fc.oneof(int, fc.string()), changes: fc.array(junk, { maxLength: 2 }), settings: junk }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: junk },
);

type Item = { kind: "request"; method: string; params: unknown } | { kind: "notification"; method: string; params: unknown } | { kind: "raw"; bytes: string };
const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("request" as const), method: fc.constantFrom(...REQUESTS), params }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("notification" as const), method: fc.constantFrom(...NOTIFICATIONS), params }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.string().map((body) => ({ kind: "raw" as const, bytes: `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` })),
      fc.json().map((body) => ({ kind: "raw" as const, bytes: `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` })),
      fc.constantFrom('Content-Length: 2\r\n\r\n{"jsonrpc":"2.0","id":1}', "Content-Length: x\r\n\r\n", "Content-Type: nope\r\n\r\n", 'Content-Length: 40\r\n\r\n{"jsonrpc":"2.0","method":"initialized"}', "[]", 'Content-Length: 4\r\n\r\nnull').map((bytes) => ({ kind: "raw" as const, bytes })),
    ),
  },
);

describe("protocol fuzzing (real server, fast-check)", () => {
  let client: RawClient;
  let sentRequests = 0;
  let errors = 0;
  const started = Date.now();

  beforeAll(async () => {
    client = new RawClient({ DHI_MODEL: FIM_MODEL, DHI_FRAME_TIMEOUT_MS: "500" }, SETTINGS);
    await client.initialize(pathToFileURL(root).href);
  });
  afterAll(() => {
    if (process.env.DHI_FUZZ_RUNS) console.log(JSON.stringify({ bench: "fuzz", runs: RUNS, seed: SEED, requests: sentRequests, errorResponses: errors, seconds: (Date.now() - started) / 1000, alive: client.child.exitCode === null }));
    client.kill();
  });

  it(`answers every generated request and never crashes (${RUNS} cases)`, { timeout: 60_000 + RUNS * 8_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 8 }), async (items) => {
        const ids: number[] = [];
        for (const next of items) {
          if (next.kind === "raw") client.write(next.bytes);
          else if (next.kind === "notification") client.notify(next.method, next.params);
          else ids.push(client.request(next.method, next.params));
        }
        // A request only ends its frame cleanly when the bytes before it did: a valid probe flushes any leftovers.
        const probe = client.request("dhi/internal/documentText", { uri: DOC });
        for (const id of ids) {
          const answer = await client.response(id, 20_000);
          sentRequests++;
          if (answer.error) {
            errors++;
            expect(answer.error.message, answer.error.message).not.toMatch(/TypeError|Cannot read properties|is not a function|undefined \(reading/);
            expect(answer.error.message).not.toContain("\n");
          }
        }
        await client.response(probe, 20_000);
        expect(client.child.exitCode).toBeNull();
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it("still answers a valid completion afterwards", { timeout: 60_000 }, async () => {
    const uri = pathToFileURL(join(root, "after.py")).href;
    client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text: "def mul(a, b):\n    return " } });
    const answer = await client.call("textDocument/completion", { textDocument: { uri }, position: { line: 1, character: 11 } });
    expect(answer.error).toBeUndefined();
    expect(answer.result).toMatchObject({ items: expect.any(Array) });
    expect(client.stderr).not.toMatch(/uncaught|unhandled rejection/);
  });
});
