import { describe, expect, it } from "vitest";
import { cleanModelArtifacts } from "../../../server/completion/postprocess/cleanModelArtifacts.js";
import { record, records } from "../fixtures.js";

describe("cleanModelArtifacts (real model output past end-of-text)", () => {
  it("cuts at <|endoftext|> and drops the next FIM turn the model starts", () => {
    const r = record("SingleLineInfilling/HumanEval/0/L3");
    expect(r.rawSpecial).toContain("<|endoftext|><fim_prefix>");
    expect(cleanModelArtifacts(r.rawSpecial ?? "")).toBe("    if len(n.is_next):\n        return False\n");
  });

  it("leaves nothing when the model's first token is end-of-text", () => {
    const r = record("SingleLineInfilling/HumanEval/6/L5");
    expect(r.rawSpecial?.startsWith("<|endoftext|>"), r.rawSpecial).toBe(true);
    expect(cleanModelArtifacts(r.rawSpecial ?? "")).toBe("");
  });

  it("never leaves a special token in any captured output, and leaves outputs without one alone", () => {
    for (const r of records) {
      for (const text of [r.raw, r.rawSpecial ?? ""]) {
        const cleaned = cleanModelArtifacts(text);
        expect(cleaned).not.toMatch(/<\|endoftext\|>|<fim_(prefix|suffix|middle)>|<file_sep>/);
        if (!/<\|endoftext\|>|<fim_/.test(text) && !text.includes("```")) expect(cleaned).toBe(text);
      }
    }
  });

  it("strips markdown fences and <think> blocks (chat-tuned models; synthetic input, not from the shared model)", () => {
    expect(cleanModelArtifacts("```python\nreturn x\n```\n")).toBe("return x\n");
    expect(cleanModelArtifacts("<think>the user wants x</think>\nreturn x")).toBe("return x");
    expect(cleanModelArtifacts("<fim_middle>return x<|file_sep|>other.py")).toBe("return x");
  });
});
