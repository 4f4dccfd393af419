import { describe, expect, it } from "vitest";
import { Cursor } from "../../server/text/Cursor.js";

// Every field against the plain definition, at every offset of texts with the awkward cases: empty lines,
// CRLF, a newline at the start and at the end, no newline at all.
const TEXTS = ["", "x", "\n", "ab\ncd", "\nlead", "trail\n", "a\r\nb\r\n", "one\n\n  three()\nfour"];

function expected(text: string, offset: number) {
  const prefix = text.slice(0, offset);
  const suffix = text.slice(offset);
  const lineStart = prefix.lastIndexOf("\n") + 1;
  const newline = text.indexOf("\n", offset);
  const lineEnd = newline < 0 ? text.length : newline;
  return {
    text,
    offset,
    prefix,
    suffix,
    lineStart,
    lineEnd,
    linePrefix: text.slice(lineStart, offset),
    lineSuffix: text.slice(offset, lineEnd),
    hasLineAfter: newline >= 0,
    length: text.length,
  };
}

function fields(cursor: Cursor) {
  const { text, offset, prefix, suffix, lineStart, lineEnd, linePrefix, lineSuffix, hasLineAfter, length } = cursor;
  return { text, offset, prefix, suffix, lineStart, lineEnd, linePrefix, lineSuffix, hasLineAfter, length };
}

describe("Cursor", () => {
  it("at(text, offset) and between(prefix, suffix) give the same fields as slicing the text", () => {
    for (const text of TEXTS) {
      for (let offset = 0; offset <= text.length; offset++) {
        const want = expected(text, offset);
        expect(fields(Cursor.at(text, offset)), `at(${JSON.stringify(text)}, ${offset})`).toEqual(want);
        expect(fields(Cursor.between(want.prefix, want.suffix)), `between at ${JSON.stringify(text)}:${offset}`).toEqual(want);
      }
    }
  });

  it("reads line fields without the text of a cursor built from prefix and suffix (no join)", () => {
    const cursor = Cursor.between("a\nb", "c\nd");
    expect([cursor.lineStart, cursor.lineEnd, cursor.linePrefix, cursor.lineSuffix]).toEqual([2, 4, "b", "c"]);
    expect((cursor as unknown as { textMemo: string | undefined }).textMemo).toBeUndefined();
  });

  it("inside: whole offsets within the text only", () => {
    expect(Cursor.at("abc", 3).inside).toBe(true);
    expect(Cursor.at("abc", 0).inside).toBe(true);
    expect(Cursor.at("abc", 4).inside).toBe(false);
    expect(Cursor.at("abc", -1).inside).toBe(false);
    expect(Cursor.at("abc", 1.5).inside).toBe(false);
    expect(Cursor.at("abc", Number.NaN).inside).toBe(false);
  });

  it("deleteBefore removes characters before the cursor and keeps the suffix", () => {
    const cursor = Cursor.at("if x:\n    y = 1  \nz", 17);
    expect(fields(cursor.deleteBefore(2))).toEqual(expected("if x:\n    y = 1\nz", 15));
    expect(cursor.deleteBefore(0)).toBe(cursor);
  });

  it("within gives the same place in a slice of the text", () => {
    const text = "first\nsecond line\nthird";
    const cursor = Cursor.at(text, 9);
    expect(fields(cursor.within(6, 18))).toEqual(expected("second line\n", 3));
  });
});
