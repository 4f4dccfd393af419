import { describe, expect, it } from "vitest";
import type { CompletionResult } from "../../../server/completion/types.js";
import { completionSpan, inDocument } from "../../../server/lsp/documents/completionSpan.js";
import { OpenDocument } from "../../../server/lsp/documents/OpenDocument.js";

// A document over the cap reaches the completion service as a span around the cursor (wider than the service's
// own 32 K / 8 K window), with the document's length; the answer's offsets come back in the whole document.

const text = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${"x".repeat(i % 30)}\n`).join("");

describe("lsp/documents/completionSpan", () => {
  it("passes a document under the cap whole", () => {
    const document = new OpenDocument("file:///a.ts", "typescript", 1, text);
    expect(completionSpan(document, 1000, text.length)).toEqual({ text, offset: 1000, start: 0 });
  });

  it("passes a span reaching past the service's window, and the document's length, for one over the cap", () => {
    const document = new OpenDocument("file:///a.ts", "typescript", 1, text);
    const offset = 300_000;
    const span = completionSpan(document, offset, 100_000);
    expect(span.documentLength).toBe(text.length);
    expect(span.start).toBeLessThanOrEqual(offset - 32 * 1024);
    expect(span.start + span.text.length).toBeGreaterThanOrEqual(offset + 8 * 1024);
    expect(span.text).toBe(text.slice(span.start, span.start + span.text.length));
    expect(span.text.slice(0, span.offset)).toBe(text.slice(span.start, offset));
    // Near the start and the end the span is cut at the document's ends.
    expect(completionSpan(document, 10, 100_000)).toMatchObject({ start: 0, offset: 10 });
    expect(completionSpan(document, text.length, 100_000).text.endsWith(text.slice(-100))).toBe(true);
  });

  it("moves a result's offsets and its alternatives' back into the whole document", () => {
    const result = { id: "a", text: "x", replaceStart: 5, replaceEnd: 7, alternatives: [{ id: "b", text: "y", replaceStart: 5, replaceEnd: 6 }] } as CompletionResult;
    const moved = inDocument(result, { text: "", offset: 5, start: 1000, documentLength: 5000 });
    expect(moved).toMatchObject({ replaceStart: 1005, replaceEnd: 1007, alternatives: [{ replaceStart: 1005, replaceEnd: 1006 }] });
    expect(inDocument(result, { text: "", offset: 5, start: 0 })).toBe(result);
    expect(inDocument(null, { text: "", offset: 5, start: 10 })).toBeNull();
  });
});
