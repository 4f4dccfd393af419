import { describe, expect, it } from "vitest";
import { limitToSingleLineFilter } from "../../../server/completion/postprocess/limitToSingleLine.js";
import { contextFor, record } from "../fixtures.js";

describe("limitToSingleLine (real model output)", () => {
  it("keeps only the rest of the cursor line in single-line mode", () => {
    const r = record("server/config/loadSettings.ts:19:tail");
    expect(r.raw.split("\n").length).toBeGreaterThan(1);
    const out = limitToSingleLineFilter.apply({ text: r.raw, replaceEnd: r.offset }, contextFor(r, false));
    expect(out?.text).toBe("new Error(path, options)");
  });

  it("leaves multi-line mode alone", () => {
    const r = record("SingleLineInfilling/HumanEval/0/L3");
    const out = limitToSingleLineFilter.apply({ text: r.raw, replaceEnd: r.offset }, contextFor(r, true));
    expect(out?.text).toBe(r.raw);
  });
});
