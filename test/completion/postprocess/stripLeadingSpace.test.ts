import { describe, expect, it } from "vitest";
import { stripLeadingSpace } from "../../../server/completion/postprocess/stripLeadingSpace.js";
import { record } from "../fixtures.js";

describe("stripLeadingSpace (real model output)", () => {
  it("keeps the indentation the model writes at column 0", () => {
    const r = record("SingleLineInfilling/HumanEval/2/L0");
    expect(r.raw.startsWith("    if"), r.raw).toBe(true);
    expect(stripLeadingSpace(r.raw, "")).toBe(r.raw);
  });

  it("drops the model's indentation when the user already indented the line", () => {
    const r = record("SingleLineInfilling/HumanEval/2/L0");
    expect(stripLeadingSpace(r.raw, "    ")).toBe(r.raw.trimStart());
  });

  it("drops a single stray space at column 0", () => {
    expect(stripLeadingSpace(" return x", "")).toBe("return x");
  });
});
