import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLatency } from "../../server/completion/latency.js";
import { fileUri, TestClient } from "../helpers/lspClient.js";
import { FIM_MODEL } from "../helpers/paths.js";

// Through the real server: opening a file, then pausing, evaluates its recent-files context ahead of its first
// completion (the previous file's chunk), which then reuses it from the KV cache.

let client: TestClient;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "dhi-prefill-"));
  client = new TestClient({ env: { DHI_MODEL: FIM_MODEL, DHI_LOG_LEVEL: "debug" } });
  await client.initialize(root, undefined, { index: { enabled: false }, model: { threads: 1 }, completion: { maxTokens: 8, responseBudgetMs: 0 } });
});

afterAll(async () => {
  await client.shutdown();
  rmSync(root, { recursive: true, force: true });
});

const complete = (uri: string, line: number, character: number) =>
  client.connection.sendRequest("textDocument/inlineCompletion", { textDocument: { uri }, position: { line, character }, context: { triggerKind: 1 } });

describe("a newly opened file's recent-files context", () => {
  it("is evaluated while the editor is idle, and the first completion there reuses it", async () => {
    const a = fileUri(join(root, "a.py"));
    await client.open(a, "python", "import math\n\n\ndef area(radius):\n    return math.pi * radius ** 2\n");
    await complete(a, 4, 11); // the model is loaded and serving
    const b = fileUri(join(root, "b.py"));
    await client.open(b, "python", "def perimeter(width, height):\n    return \n");
    await client.waitFor(() => client.logMessages.some((m) => m.message.includes("prefilled b.py's recent-files context")), "the prefill of b.py");
    const prefillLine = client.logMessages.find((m) => m.message.includes("prefilled b.py"))?.message ?? "";
    const stable = Number(/of (\d+) tokens evaluated/.exec(prefillLine)?.[1]);
    expect(stable, prefillLine).toBeGreaterThan(2);
    const from = client.logMessages.length;
    await complete(b, 1, 11);
    const latency = client.logMessages.slice(from).map((m) => parseLatency(m.message)).find((record) => record !== null);
    expect(latency?.tokens.reused ?? 0, JSON.stringify(latency)).toBeGreaterThanOrEqual(stable - 1);
  }, 60_000);
});
