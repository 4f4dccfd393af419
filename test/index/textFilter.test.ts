import { describe, expect, it } from "vitest";
import { looksMinified, unindexableReason, unindexableText } from "../../server/index/textFilter.js";

const code = (lines: number): string =>
  Array.from({ length: lines }, (_, i) => `export function step${i}(x: number): number { return x * ${i}; }`).join("\n");

describe("looksMinified", () => {
  it("keeps ordinary source, however large, and small files whatever their shape", () => {
    expect(looksMinified(code(2000))).toBe(false);
    expect(looksMinified("x".repeat(19_000))).toBe(false);
  });

  it("drops a one-line bundle", () => {
    expect(looksMinified(`var a=1;${"function f(){return 1};".repeat(2000)}`)).toBe(true);
  });

  it("drops a bundle whose minified core is hidden among many short lines", () => {
    // Over half the text in two 20 KB lines, the rest in 400 short ones: the average line is ~160 characters.
    const bundle = [code(200), "a".repeat(20_000), code(200), "b".repeat(20_000)].join("\n");
    expect(bundle.length / bundle.split("\n").length).toBeLessThan(300);
    expect(looksMinified(bundle)).toBe(true);
  });

  it("keeps a file whose long lines are a minority (a test with a few long fixtures)", () => {
    const tests = [code(400), "c".repeat(5_000), "d".repeat(5_000)].join("\n");
    expect(looksMinified(tests)).toBe(false);
  });
});

describe("binary text: an editor's buffer judged as its file on disk would be", () => {
  it("a NUL counts within the first 8 KB of the UTF-8 bytes, not the first 8 K characters", () => {
    // 4,000 two-byte characters, then a NUL at character 5,000: byte 9,000 on disk.
    const late = `${"é".repeat(4000)}${"a".repeat(1000)}\u0000 rest`;
    const early = `${"é".repeat(4000)}${"a".repeat(100)}\u0000 rest`; // byte 8,100
    for (const text of [late, early]) {
      expect(unindexableText(text), JSON.stringify(text.slice(4000, 4010))).toBe(unindexableReason(Buffer.from(text, "utf8"), 1e9) === "binary");
    }
    expect(unindexableText(late)).toBe(false);
    expect(unindexableText(early)).toBe(true);
  });
});
