import fc from "fast-check";
import { TextDocument } from "vscode-languageserver-textdocument";
import { describe, expect, it } from "vitest";
import { ChunkedText, type TextPosition } from "../../server/text/ChunkedText.js";

// ChunkedText against vscode-languageserver-textdocument (the model editors and the LSP spec agree on), on texts
// that span many 16 K chunks, with edits aimed at chunk borders: CRLF/CR/LF line ends, surrogate pairs, lone
// surrogates, out-of-range and reversed positions.

const CHUNK = 16 * 1024;
const PIECES = ["a", "xyz", " ", "\n", "\r\n", "\r", "\t", "😀", "漢字", "𠀀", "\uD83D", "\uDE00", "e\u0301", "\r\n\r\n", "def f():\r\n    return 1\n"];
const piece = fc.constantFrom(...PIECES);
const insertText = fc.array(piece, { maxLength: 5 }).map((parts) => parts.join(""));

/** A text of ~`size` code units from the pieces (deterministic per seed). */
function textOf(size: number, seed: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let state = seed; length < size; ) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const next = PIECES[state % PIECES.length]!;
    parts.push(next);
    length += next.length;
  }
  return parts.join("");
}

/** Offsets near chunk borders (where the splitting can go wrong) or anywhere. */
const offset = fc.oneof(fc.nat(), fc.tuple(fc.nat({ max: 8 }), fc.integer({ min: -3, max: 3 })).map(([k, d]) => Math.max(0, k * CHUNK + d)));
const edit = fc.record({ from: offset, length: fc.oneof(fc.nat({ max: 6 }), fc.nat({ max: 3 * CHUNK })), text: insertText, reversed: fc.boolean() });

/** Every way a position can be asked for: inside, past the line end, past the last line, negative. */
function probes(reference: TextDocument, seed: number): TextPosition[] {
  const out: TextPosition[] = [{ line: -1, character: 5 }, { line: 0, character: -2 }, { line: reference.lineCount, character: 0 }, { line: reference.lineCount + 7, character: 3 }];
  for (let k = 0, state = seed; k < 40; k++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    out.push({ line: state % (reference.lineCount + 1), character: (state >> 8) % 12 === 0 ? 1000 : (state >> 8) % 6 });
  }
  return out;
}

function expectSame(text: ChunkedText, reference: TextDocument, seed: number): void {
  expect(text.length).toBe(reference.getText().length);
  expect(text.toString()).toBe(reference.getText());
  expect(text.lineCount).toBe(reference.lineCount);
  for (const p of probes(reference, seed)) expect(text.offsetAt(p)).toBe(reference.offsetAt(p));
  const length = reference.getText().length;
  for (const o of [-4, 0, 1, length - 1, length, length + 9, (seed * 7919) % (length + 1), CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK]) {
    expect(text.positionAt(o)).toEqual(reference.positionAt(o));
  }
  const a = (seed * 31) % (length + 1);
  expect(text.slice(a, a + 2 * CHUNK)).toBe(reference.getText().slice(a, a + 2 * CHUNK));
}

describe("text/ChunkedText", () => {
  it("random edit streams over many chunks match vscode-languageserver-textdocument", () => {
    fc.assert(
      fc.property(fc.nat({ max: 5 * CHUNK }), fc.nat(), fc.array(edit, { minLength: 1, maxLength: 25 }), (size, seed, edits) => {
        const initial = textOf(size, seed);
        const text = new ChunkedText(initial);
        const reference = TextDocument.create("file:///r.txt", "plaintext", 1, initial);
        expectSame(text, reference, seed);
        for (const [n, { from, length, text: inserted, reversed }] of edits.entries()) {
          const all = reference.getText().length;
          let start = reference.positionAt(all === 0 ? 0 : from % (all + 1));
          let end = reference.positionAt(Math.min(reference.offsetAt(start) + length, all));
          if (reversed) [start, end] = [end, start];
          text.edit(start, end, inserted);
          TextDocument.update(reference, [{ range: { start, end }, text: inserted }], n + 2);
          expectSame(text, reference, seed + n);
        }
      }),
      { seed: 1808, numRuns: 60 },
    );
  });

  it("keeps a CRLF that an edit joins or splits at a chunk border one line end", () => {
    // "\r" as the last unit of the first chunk and "\n" as the first of the next, then joined and split by edits.
    const initial = `${"a".repeat(CHUNK - 1)}\r${"b".repeat(CHUNK)}\n${"c".repeat(CHUNK)}`;
    const text = new ChunkedText(initial);
    const reference = TextDocument.create("file:///r.txt", "plaintext", 1, initial);
    const steps: Array<[TextPosition, TextPosition, string]> = [
      [{ line: 1, character: 0 }, { line: 1, character: CHUNK }, ""], // "\r" + "\n" now meet: lines 0 and 1 merge their end
      [{ line: 0, character: CHUNK - 1 }, { line: 0, character: CHUNK - 1 }, "x"], // inside the pair's line
      [{ line: 1, character: 0 }, { line: 1, character: 0 }, "\n"],
      [{ line: 0, character: 3 }, { line: 0, character: 3 }, "\r"], // a lone CR
      [{ line: 1, character: 0 }, { line: 2, character: 0 }, "y\r"], // a CR that meets the next "\n"
    ];
    for (const [n, [start, end, inserted]] of steps.entries()) {
      text.edit(start, end, inserted);
      TextDocument.update(reference, [{ range: { start, end }, text: inserted }], n + 2);
      expectSame(text, reference, n);
    }
  });

  it("counts UTF-16 code units: a position inside a surrogate pair is an offset between its halves", () => {
    const text = new ChunkedText("a😀b\r\n漢𠀀\n");
    expect(text.offsetAt({ line: 0, character: 2 })).toBe(2); // between the halves of 😀
    expect(text.positionAt(4)).toEqual({ line: 0, character: 4 });
    expect(text.offsetAt({ line: 1, character: 2 })).toBe(8);
    expect(text.offsetAt({ line: 1, character: 99 })).toBe(9); // clamped before "\n"
    expect(text.offsetAt({ line: 0, character: 99 })).toBe(4); // clamped before "\r\n"
    expect(text.positionAt(5)).toEqual({ line: 0, character: 4 }); // between "\r" and "\n": before the line end
    expect(text.offsetAt({ line: 9, character: 0 })).toBe(10);
    expect(text.lineCount).toBe(3);
  });

  it("never throws on malformed numbers, and clamps them", () => {
    const text = new ChunkedText("ab\ncd");
    expect(text.offsetAt({ line: Number.NaN, character: 1 })).toBe(1);
    expect(text.offsetAt({ line: 1, character: Number.POSITIVE_INFINITY })).toBe(3);
    expect(text.positionAt(Number.NaN)).toEqual({ line: 0, character: 0 });
    text.replace(-5, 99, "z");
    expect(text.toString()).toBe("z");
  });

  it("finds positions in a document of hundreds of chunks after an edit deep inside", () => {
    const big = new ChunkedText("x\n".repeat(4 * 1024 * 1024)); // 8 M code units, 512 chunks
    const before = big.slice(0, 3_000_000);
    big.edit({ line: 2_000_000, character: 1 }, { line: 2_000_000, character: 1 }, "y");
    expect(big.slice(0, 3_000_000)).toBe(before);
    expect(big.offsetAt({ line: 2_000_000, character: 2 })).toBe(4_000_002);
    expect(big.lineBounds(2_000_000)).toEqual({ start: 4_000_000, contentEnd: 4_000_002, end: 4_000_003 });
  });
});
