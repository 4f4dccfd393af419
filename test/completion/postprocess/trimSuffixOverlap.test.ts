import { describe, expect, it } from "vitest";
import { trimFollowingLinesOverlap, trimLineSuffixOverlap, trimSuffixOverlapFilter } from "../../../server/completion/postprocess/trimSuffixOverlap.js";
import { balanceBracketsFilter } from "../../../server/completion/postprocess/balanceBrackets.js";
import { contextFor, record } from "../fixtures.js";

describe("trimSuffixOverlap (real model output)", () => {
  it("cuts the rest of the line off the end of the completion", () => {
    // `for (const [key, value] of Object.entries(|)) {`: the model writes `value) {`.
    const r = record("server/config/resolveSettings.ts:20:args");
    expect(r.raw).toBe("value) {");
    const c = contextFor(r);
    const balanced = balanceBracketsFilter.apply({ text: r.raw, replaceEnd: r.offset }, c);
    const out = balanced && trimSuffixOverlapFilter.apply(balanced, c);
    // The `)` that replaced the line's first closer went with the cut, so nothing is replaced any more.
    expect(out).toEqual({ text: "value", replaceEnd: r.offset });
    expect(trimLineSuffixOverlap("x + 1)", ")")).toBe("x + 1");
  });

  it("cuts at a line that repeats the next line below the cursor", () => {
    const r = record("server/syntax/parse.ts:38:body");
    const c = contextFor(r);
    const next = c.nextLines.find((l) => l.trim().length > 0) ?? "";
    // The real completion's first two lines followed by the real next line, as a model continuing into the suffix does.
    const firstTwo = r.raw.split("\n").slice(0, 2).join("\n");
    expect(trimFollowingLinesOverlap(`${firstTwo}\n${next}\n`, c.nextLines)).toBe(firstTwo);
    expect(trimFollowingLinesOverlap(r.raw, c.nextLines)).toBe(r.raw);
  });
});
