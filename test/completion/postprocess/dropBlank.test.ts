import { describe, expect, it } from "vitest";
import { trimCompletionEnd } from "../../../server/completion/postprocess/dropBlank.js";
import { records, record } from "../fixtures.js";

describe("dropBlank (real model output)", () => {
  it("drops empty results (the model's first token was end-of-text)", () => {
    const empty = records.filter((r) => r.raw.trim() === "");
    expect(empty.length).toBeGreaterThan(0);
    for (const r of empty) expect(trimCompletionEnd(r.raw, "", "")).toBeNull();
  });

  it("trims the trailing newline and whitespace", () => {
    const r = record("SingleLineInfilling/HumanEval/0/L3");
    expect(r.raw.endsWith("\n"), r.raw).toBe(true);
    expect(trimCompletionEnd(r.raw, "", "")).toBe("    if len(n.is_next):\n        return False");
  });

  it("keeps the final newline of whole lines inserted above a non-empty line", () => {
    const r = record("SingleLineInfilling/HumanEval/0/L3");
    expect(trimCompletionEnd(r.raw, "", "        for x in y:")).toBe("    if len(n.is_next):\n        return False\n");
  });
});
