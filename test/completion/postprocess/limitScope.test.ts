import { describe, expect, it } from "vitest";
import { limitScopeFilter } from "../../../server/completion/postprocess/limitScope.js";
import { scopeCut } from "../../../server/completion/multiline/scopeCut.js";
import { contextFor, record } from "../fixtures.js";

describe("limitScope (real model output)", () => {
  it("cuts where the model dedents out of the block the cursor is in", () => {
    // Cursor on an emptied line of a TypeScript function body; the model closes the function and starts another.
    const r = record("server/syntax/parse.ts:38:body");
    const out = limitScopeFilter.apply({ text: r.raw, replaceEnd: r.offset }, contextFor(r, true));
    expect(r.raw).toContain("\n}\nfunction get(");
    expect(out?.text).toBe('if ({time}: "{{{{{{{{{{{time}}}}\n    returns;\n    return false;\n');
  });

  it("keeps only the first line when the next one leaves a deeper body", () => {
    const r = record("server/config/resolveSettings.ts:83:body");
    const out = limitScopeFilter.apply({ text: r.raw, replaceEnd: r.offset }, contextFor(r, true));
    expect(out?.text).toBe("}\n");
  });

  it("keeps Python lines that stay inside the function", () => {
    const r = record("SingleLineInfilling/HumanEval/0/L3");
    const out = limitScopeFilter.apply({ text: r.raw, replaceEnd: r.offset }, contextFor(r, true));
    expect(out?.text).toBe(r.raw);
  });

  it("after a block opener keeps the closing line at the cursor's indent and stops after it", () => {
    // Layout rule on a real shape: the body is deeper, `}` closes it, the next sibling is cut.
    const text = "\n    return 1;\n}\nfunction next() {";
    expect(scopeCut(text, { linePrefix: "function f() {", tabWidth: 2 }, true)).toBe("\n    return 1;\n}".length);
    expect(scopeCut(text.slice(0, -10), { linePrefix: "function f() {", tabWidth: 2 }, false)).toBe("\n    return 1;\n}".length);
  });
});
