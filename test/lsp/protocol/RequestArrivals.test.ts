import { describe, expect, it } from "vitest";
import { RequestArrivals } from "../../../server/lsp/protocol/RequestArrivals.js";

const completion = (id: number, uri: string, line: number, character: number) => ({
  jsonrpc: "2.0", id, method: "textDocument/inlineCompletion", params: { textDocument: { uri }, position: { line, character }, context: { triggerKind: 2 } },
});

describe("RequestArrivals", () => {
  it("knows when a completion request was read, by method, document and position, once", () => {
    const arrivals = new RequestArrivals();
    const before = performance.now();
    arrivals.note(completion(1, "file:///a.py", 3, 7));
    arrivals.note({ jsonrpc: "2.0", method: "textDocument/didOpen", params: { textDocument: { uri: "file:///a.py" } } } as never);
    const at = arrivals.take("textDocument/inlineCompletion", "file:///a.py", { line: 3, character: 7 });
    expect(at).not.toBeNull();
    expect(at as number).toBeGreaterThanOrEqual(before);
    expect(arrivals.take("textDocument/inlineCompletion", "file:///a.py", { line: 3, character: 7 })).toBeNull();
    expect(arrivals.take("textDocument/completion", "file:///a.py", { line: 3, character: 7 })).toBeNull();
    expect(arrivals.take("textDocument/didOpen", "file:///a.py", { line: 0, character: 0 })).toBeNull();
  });

  it("ignores malformed params and keeps at most 64 unanswered stamps, dropping the oldest", () => {
    const arrivals = new RequestArrivals();
    arrivals.note({ jsonrpc: "2.0", id: 1, method: "textDocument/completion", params: { textDocument: {}, position: { line: "x" } } } as never);
    arrivals.note({ jsonrpc: "2.0", id: 2, method: "textDocument/completion" } as never);
    for (let i = 0; i < 70; i++) arrivals.note(completion(i, "file:///b.py", i, 0));
    expect(arrivals.take("textDocument/inlineCompletion", "file:///b.py", { line: 0, character: 0 })).toBeNull();
    expect(arrivals.take("textDocument/inlineCompletion", "file:///b.py", { line: 5, character: 0 })).toBeNull();
    expect(arrivals.take("textDocument/inlineCompletion", "file:///b.py", { line: 6, character: 0 })).not.toBeNull();
    expect(arrivals.take("textDocument/inlineCompletion", "file:///b.py", { line: 69, character: 0 })).not.toBeNull();
  });
});
