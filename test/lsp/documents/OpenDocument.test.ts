import { TextDocument } from "vscode-languageserver-textdocument";
import type { TextDocumentContentChangeEvent } from "vscode-languageserver/node";
import { describe, expect, it } from "vitest";
import { OPEN_DOCUMENTS, OpenDocument, documentLength } from "../../../server/lsp/documents/OpenDocument.js";

// The TextDocument interface over ChunkedText, checked member by member against vscode-languageserver-textdocument
// (text/ChunkedText.test.ts covers the edits and positions themselves).

const CHANGES: TextDocumentContentChangeEvent[][] = [
  [{ range: { start: { line: 0, character: 2 }, end: { line: 1, character: 1 } }, text: "X\r\nY" }],
  [{ text: "full\r\nreplacement\rwith\nends\n" }, { range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, rangeLength: 0, text: "😀" }],
  [{ range: { start: { line: 9, character: 0 }, end: { line: 2, character: 1 } }, text: "" }],
];

function expectSame(document: OpenDocument, reference: TextDocument): void {
  expect(document.getText()).toBe(reference.getText());
  expect(document.version).toBe(reference.version);
  expect(document.lineCount).toBe(reference.lineCount);
  expect(documentLength(document)).toBe(reference.getText().length);
  for (let line = -1; line <= reference.lineCount + 1; line++) {
    expect(document.getLineRange(line)).toEqual(reference.getLineRange(line));
    expect(document.getEOLCharacters(line)).toBe(reference.getEOLCharacters(line));
    const range = { start: { line, character: 1 }, end: { line: line + 1, character: 2 } };
    expect(document.getText(range)).toBe(reference.getText(range));
  }
}

describe("lsp/documents/OpenDocument", () => {
  it("creates and updates like vscode-languageserver-textdocument (incremental, full and reversed changes)", () => {
    const initial = "ab\r\ncd\ref\n\nlast";
    let document = OPEN_DOCUMENTS.create("file:///a.ts", "typescript", 1, initial);
    const reference = TextDocument.create("file:///a.ts", "typescript", 1, initial);
    expect(document.uri).toBe("file:///a.ts");
    expect(document.languageId).toBe("typescript");
    expectSame(document, reference);
    for (const [n, changes] of CHANGES.entries()) {
      document = OPEN_DOCUMENTS.update(document, changes, n + 2);
      TextDocument.update(reference, changes, n + 2);
      expectSame(document, reference);
    }
  });

  it("rejects a change that is neither incremental nor full, as the library does", () => {
    const document = new OpenDocument("file:///a.ts", "typescript", 1, "x");
    const bad = [{ range: undefined, rangeLength: 3, text: "y" }] as unknown as TextDocumentContentChangeEvent[];
    expect(() => document.update(bad, 2)).toThrow("Unknown change event received");
  });
});
