import { describe, expect, it } from "vitest";
import { normalizeIndentation } from "../../../server/completion/postprocess/normalizeIndentation.js";
import { detectIndentStyle } from "../../../server/text/indentation.js";
import { contextFor, record } from "../fixtures.js";

describe("normalizeIndentation (real model output)", () => {
  it("detects the file's style from the lines around the cursor", () => {
    expect(contextFor(record("SingleLineInfilling/HumanEval/0/L3")).indent).toEqual({ kind: "spaces", width: 4 });
    expect(contextFor(record("server/syntax/parse.ts:38:body")).indent).toEqual({ kind: "spaces", width: 2 });
    expect(detectIndentStyle(["func f() {", "\tx := 1", "\tif x {", "\t\treturn", "\t}"])).toEqual({ kind: "tabs", width: 4 });
  });

  it("rewrites the model's space indentation in a tab-indented file", () => {
    // The model wrote 4-space levels (it saw a space-indented prompt); placed in a tab-indented file.
    const raw = record("SingleLineInfilling/HumanEval/0/L3").raw;
    expect(normalizeIndentation(raw, { kind: "tabs", width: 4 }, "")).toBe("\tif len(n.is_next):\n\t\treturn False\n");
  });

  it("leaves output that already matches the file alone", () => {
    const r = record("SingleLineInfilling/HumanEval/0/L3");
    expect(normalizeIndentation(r.raw, contextFor(r).indent, "")).toBe(r.raw);
  });
});
