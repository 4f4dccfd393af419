import { describe, expect, it } from "vitest";
import { balanceBracketsFilter, openBrackets, scanCompletion } from "../../../server/completion/postprocess/balanceBrackets.js";
import { contextFor, record } from "../fixtures.js";

describe("balanceBrackets (real model output)", () => {
  it("replaces the auto-inserted closer the completion closes itself (replaceEnd)", () => {
    // `readFileSync(|);` with the model writing `file, options)`.
    const r = record("server/config/loadSettings.ts:12:args");
    const c = contextFor(r);
    expect(c.lineSuffix).toBe(");");
    const out = balanceBracketsFilter.apply({ text: "file, options)", replaceEnd: r.offset }, c);
    expect(out).toEqual({ text: "file, options)", replaceEnd: r.offset + 1 });
  });

  it("replaces only the closers it closes, in order", () => {
    const r = record("server/config/loadSettings.ts:28:args");
    const c = contextFor(r);
    const first = r.raw.split("\n")[0];
    expect(first).toBe("path.path)) {");
    const out = balanceBracketsFilter.apply({ text: first, replaceEnd: r.offset }, c);
    // `resolved.errors.unshift(|);`: one `(` is open, so the second `)` matches nothing and is cut.
    expect(out).toEqual({ text: "path.path)", replaceEnd: r.offset + 1 });
  });

  it("tracks brackets opened before the cursor", () => {
    const c = contextFor(record("server/config/resolveSettings.ts:20:args"));
    expect(openBrackets([...c.previousLines, c.linePrefix]).slice(-2)).toEqual(["(", "("]);
    expect(scanCompletion("value) {", ["(", "("])).toEqual({ unmatchedAt: null, closesOuter: ")" });
  });
});
