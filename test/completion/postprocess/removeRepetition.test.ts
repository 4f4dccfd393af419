import { describe, expect, it } from "vitest";
import { removeRepetition } from "../../../server/completion/postprocess/removeRepetition.js";
import { record, records } from "../fixtures.js";

describe("removeRepetition (real model output)", () => {
  it("cuts a line the model repeats", () => {
    const r = record("SingleLineInfilling/HumanEval/11/L3");
    expect(r.raw.startsWith("    if x:\n        return x\n    return x\n    return x\n"), r.raw).toBe(true);
    expect(removeRepetition(r.raw)).toBe("    if x:\n        return x\n    return x");
  });

  it("cuts a runaway repetition inside a line", () => {
    const r = record("MultiLineInfilling/HumanEval/8/L1_L6");
    expect(removeRepetition(r.raw)).toBe("    if (1, 0");
    const s = record("MultiLineInfilling/HumanEval/10/L1_L8");
    expect(removeRepetition(s.raw)).toBe("    if not isinstance(b):\n        return 'b'");
  });

  it("cuts a repeated block (a closing line and a blank line, twice)", () => {
    const r = record("server/config/resolveSettings.ts:83:body");
    expect(removeRepetition(r.raw)).toBe("}\n    return des[0 {\n      return'}\n      return this[k[0]\n    }\n    return this[k[k];\n  }\n");
  });

  it("leaves outputs without repetition alone", () => {
    for (const id of ["SingleLineInfilling/HumanEval/0/L3", "server/syntax/parse.ts:48:body", "server/config/loadSettings.ts:12:args"]) {
      const r = record(id);
      const firstLine = r.raw.split("\n")[0];
      expect(removeRepetition(firstLine)).toBe(firstLine);
    }
    expect(records.length).toBeGreaterThan(20);
  });
});
