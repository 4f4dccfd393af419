import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawClient } from "../helpers/rawClient.js";

// Random incremental edits (emoji, CJK, CRLF, lone CR, surrogate pairs, positions past line ends, reversed
// ranges) against an independent reference text model. The server's document, read back through the
// debug request `dhi/internal/documentText` (it only returns text this client sent), must never diverge.

const RUNS = Number(process.env.DHI_EDIT_RUNS ?? 40);

interface Position { line: number; character: number }

/** The LSP text model written from the spec, independently of vscode-languageserver-textdocument. */
class ReferenceText {
  constructor(public text: string) {}

  /** [start, end-before-EOL] of each line; \r\n, \r and \n each end a line. */
  lines(): Array<[number, number]> {
    const lines: Array<[number, number]> = [];
    let start = 0;
    for (let i = 0; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === "\r" || c === "\n") {
        lines.push([start, i]);
        if (c === "\r" && this.text[i + 1] === "\n") i++;
        start = i + 1;
      }
    }
    lines.push([start, this.text.length]);
    return lines;
  }

  offsetAt(p: Position): number {
    const lines = this.lines();
    if (p.line < 0) return 0;
    const line = lines[p.line];
    if (!line) return this.text.length;
    // "If the character value is greater than the line length it defaults back to the line length."
    return Math.min(line[0] + Math.max(p.character, 0), line[1]);
  }

  positionAt(offset: number): Position {
    const lines = this.lines();
    for (let line = lines.length - 1; line >= 0; line--) {
      const [start, end] = lines[line] as [number, number];
      if (offset >= start) return { line, character: Math.min(offset, end) - start };
    }
    return { line: 0, character: 0 };
  }

  apply(start: Position, end: Position, text: string): void {
    let [a, b] = [this.offsetAt(start), this.offsetAt(end)];
    if (start.line > end.line || (start.line === end.line && start.character > end.character)) [a, b] = [b, a];
    this.text = this.text.slice(0, a) + text + this.text.slice(b);
  }
}

const PIECES = ["a", "xyz", " ", "\n", "\r\n", "\r", "\t", "😀", "👩‍👩‍👧", "漢字", "中文テキスト", "𠀀", "\uD83D", "\uDE00", "é", "e\u0301", "\r\n\r\n", "🇫🇷", "def f():\r\n    return 1\r\n"];
const piece = fc.constantFrom(...PIECES);
const insertText = fc.array(piece, { maxLength: 4 }).map((parts) => parts.join(""));
const edit = fc.record({
  from: fc.nat(),
  length: fc.nat({ max: 12 }),
  text: insertText,
  /** 0: exact positions; 1: the end's character past its line end; 2: start and end swapped. */
  shape: fc.constantFrom(0, 0, 0, 1, 2),
});
const stream = fc.record({
  initial: fc.array(piece, { maxLength: 12 }).map((parts) => parts.join("")),
  batches: fc.array(fc.array(edit, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
});

describe("edit streams (real server, reference text model)", () => {
  let client: RawClient;
  let docs = 0;
  beforeAll(async () => {
    client = new RawClient();
    await client.initialize(null);
  });
  afterAll(() => client.kill());

  it(`the server's document matches the reference after every batch (${RUNS} streams)`, { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(stream, async ({ initial, batches }) => {
        const uri = `file:///edit-stream/doc${docs++}.py`;
        const reference = new ReferenceText(initial);
        client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text: initial } });
        let version = 1;
        for (const batch of batches) {
          const contentChanges = batch.map(({ from, length, text, shape }) => {
            const a = reference.text.length === 0 ? 0 : from % (reference.text.length + 1);
            const b = Math.min(a + length, reference.text.length);
            let start = reference.positionAt(a);
            let end = reference.positionAt(b);
            if (shape === 1) end = { line: end.line, character: end.character + 50 };
            if (shape === 2) [start, end] = [end, start];
            reference.apply(start, end, text);
            return { range: { start, end }, text };
          });
          client.notify("textDocument/didChange", { textDocument: { uri, version: ++version }, contentChanges });
          const seen = await client.call("dhi/internal/documentText", { uri });
          expect(seen.result).toBe(reference.text);
        }
        client.notify("textDocument/didClose", { textDocument: { uri } });
      }),
      { numRuns: RUNS, seed: 1803 },
    );
    expect(client.child.exitCode).toBeNull();
  });
});
