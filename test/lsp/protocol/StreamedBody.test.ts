import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkedTextOf } from "../../../server/lsp/documents/longTexts.js";
import { StreamedBody } from "../../../server/lsp/protocol/StreamedBody.js";

// A large frame's body parsed as its bytes arrive must give what JSON.parse gives on the whole body, however the
// bytes are split (inside a UTF-8 sequence, an escape, a \u sequence, a surrogate pair); its long strings come
// back to OpenDocument as their chunks.

const PIECES = ["a", "\n", "\r\n", "\r", "\t", '"', "\\", "/", "😀", "漢字", "𠀀", "\uD83D", "\u0001", "é", "\u2028", "x".repeat(5000)];
const longText = fc.array(fc.constantFrom(...PIECES), { minLength: 20, maxLength: 120 }).map((parts) => parts.join("").repeat(40));

function parseInParts(body: Buffer, cuts: number[]): unknown {
  const streamed = new StreamedBody();
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (body.length + 1))].sort((a, b) => a - b)) {
    streamed.push(body.subarray(at, Math.max(at, cut)));
    at = Math.max(at, cut);
  }
  streamed.push(body.subarray(at));
  return streamed.finish();
}

describe("lsp/protocol/StreamedBody", () => {
  it("parses a didOpen split anywhere exactly as JSON.parse, and its text becomes the same ChunkedText", () => {
    fc.assert(
      fc.property(longText, fc.array(fc.nat(), { maxLength: 40 }), (text, cuts) => {
        const message = { jsonrpc: "2.0", method: "textDocument/didOpen", params: { textDocument: { uri: "file:///a \"b\".ts", languageId: "typescript", version: 3, text }, extra: [1, null, true, "short \\ \"q\""] } };
        const body = Buffer.from(JSON.stringify(message), "utf8");
        const parsed = parseInParts(body, cuts) as typeof message;
        expect(parsed).toEqual(JSON.parse(body.toString("utf8")));
        expect(chunkedTextOf(parsed.params.textDocument.text).toString()).toBe(text);
      }),
      { seed: 18, numRuns: 40 },
    );
  });

  it("cuts between any two bytes of escapes and UTF-8 sequences", () => {
    const text = `${"\u0001\\\"".repeat(12_000)}😀漢\uD83D`;
    const body = Buffer.from(JSON.stringify({ text }), "utf8");
    for (let cut = 80_000; cut < 80_024; cut++) expect(parseInParts(body, [cut, cut + 70_001])).toEqual({ text });
  });

  it("throws on a body that is not JSON, like JSON.parse", () => {
    const bad = Buffer.from(`{"text":"${"x".repeat(100_000)}\\q"}`);
    expect(() => parseInParts(bad, [50_000])).toThrow();
    expect(() => parseInParts(Buffer.from(`{"text":"${"x".repeat(100_000)}`), [])).toThrow();
    expect(() => parseInParts(Buffer.from(`{"a":1,}`), [3])).toThrow();
  });
});
