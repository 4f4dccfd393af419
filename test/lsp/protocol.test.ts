import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RawClient } from "../helpers/rawClient.js";

// Protocol hygiene through the real server with raw frames: stalled frames, missing params, after shutdown.

const clients: RawClient[] = [];
function rawClient(env: Record<string, string> = {}): RawClient {
  const c = new RawClient({ DHI_FRAME_TIMEOUT_MS: "300", ...env });
  clients.push(c);
  return c;
}
afterEach(() => {
  for (const c of clients.splice(0)) c.kill();
});

const DOC = "file:///nowhere/a.ts";

describe("stalled frames", () => {
  it("drops a frame whose body never arrives, logs it, and answers the next request", async () => {
    const c = rawClient();
    await c.initialize();
    c.write('Content-Length: 5000\r\n\r\n{"jsonrpc":"2.0","id":99,"method":"workspace/executeCommand","par');
    await expect.poll(() => c.stderr, { timeout: 10_000 }).toMatch(/dropped a stalled JSON-RPC frame: a frame declaring Content-Length 5000 received only \d+ bytes/);
    const answer = await c.call("dhi/internal/documentText", { uri: DOC });
    expect(answer).toMatchObject({ result: null });
    expect(c.responses.some((r) => r.id === 99)).toBe(false);
  });

  it("recovers a complete request that arrived while an earlier frame stalled", async () => {
    const c = rawClient();
    await c.initialize();
    c.write('Content-Length: 5000\r\n\r\n{"jsonrpc":"2.0",');
    const id = c.request("dhi/internal/documentText", { uri: DOC });
    expect(await c.response(id)).toMatchObject({ result: null });
    expect(c.stderr).toMatch(/dropped a stalled JSON-RPC frame/);
  });

  it("recovers a request that arrived while a large frame (parsed as it arrives) stalled", async () => {
    const c = rawClient();
    await c.initialize();
    c.write(`Content-Length: 2000000\r\n\r\n{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"text":"${"x".repeat(100_000)}`);
    const id = c.request("dhi/internal/documentText", { uri: DOC });
    expect(await c.response(id)).toMatchObject({ result: null });
    expect(c.stderr).toMatch(/dropped a stalled JSON-RPC frame: a frame declaring Content-Length 2000000/);
  });

  it("answers a body that is not JSON with ParseError and keeps serving", async () => {
    const c = rawClient();
    await c.initialize();
    c.write(c.frame("{not json"));
    const parseError = await c.response(null);
    expect(parseError.error?.code).toBe(-32700);
    expect(await c.call("dhi/internal/documentText", { uri: DOC })).toMatchObject({ result: null });
  });
});

describe("missing params get -32602 naming what is missing", () => {
  let shared: RawClient;
  beforeAll(async () => {
    shared = new RawClient();
    await shared.initialize();
  });
  afterAll(() => shared.kill());

  it("for initialize without params", async () => {
    const c = rawClient();
    const answer = await c.call("initialize", null);
    expect(answer.error).toMatchObject({ code: -32602 });
    expect(answer.error?.message).toMatch(/initialize needs params/);
    await c.initialize();
  });

  it.each([
    ["workspace/executeCommand", null, /workspace\/executeCommand needs params \(an object\); got null/],
    ["workspace/executeCommand", undefined, /workspace\/executeCommand needs params \(an object\); got none/],
    ["workspace/executeCommand", {}, /params\.command is missing/],
    ["workspace/executeCommand", { command: 7 }, /params\.command must be a string, not number/],
    ["textDocument/completion", { textDocument: { uri: DOC } }, /params\.position\.line is missing/],
    ["textDocument/completion", null, /textDocument\/completion needs params/],
    ["textDocument/inlineCompletion", { textDocument: { uri: DOC }, position: { line: 0, character: 0 } }, /params\.context is missing/],
    ["textDocument/codeAction", { textDocument: { uri: DOC }, range: { start: { line: 0, character: 0 } }, context: { diagnostics: [] } }, /params\.range\.end\.line is missing/],
    ["codeAction/resolve", null, /codeAction\/resolve needs params/],
  ])("%s with params %j", async (method, params, message) => {
    const c = shared;
    const answer = await c.call(method, params);
    expect(answer.error?.code).toBe(-32602);
    expect(answer.error?.message).toMatch(message);
    expect(answer.error?.message).not.toMatch(/TypeError|Cannot read/);
    // A notification without its params is ignored with a log line, and the server keeps serving.
    c.notify("textDocument/didOpen", null);
    c.notify("textDocument/didChange", { textDocument: { uri: DOC } });
    expect(await c.call("dhi/internal/documentText", { uri: DOC })).toMatchObject({ result: null });
    expect(c.stderr).toMatch(/textDocument\/didOpen needs params.*ignored/);
  });
});

describe("after shutdown", () => {
  it("answers requests with InvalidRequest (-32600), ignores notifications, and exits 0 on exit", async () => {
    const c = rawClient();
    await c.initialize();
    expect(await c.call("shutdown")).toMatchObject({ result: null });
    const after = await c.call("dhi/internal/documentText", { uri: DOC });
    expect(after.error?.code).toBe(-32600);
    expect(after.error?.message).toMatch(/after shutdown/);
    const command = await c.call("workspace/executeCommand", null);
    expect(command.error?.code).toBe(-32600);
    c.notify("textDocument/didOpen", { textDocument: { uri: DOC, languageId: "typescript", version: 1, text: "x" } });
    c.notify("exit");
    expect(await c.exited).toBe(0);
  });
});
