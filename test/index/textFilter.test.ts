import { describe, expect, it } from "vitest";
import { looksMinified } from "../../server/index/textFilter.js";

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
