import { describe, expect, it } from "vitest";
import { isSuffixDuplicate } from "../../../server/completion/postprocess/dropSuffixDuplicate.js";
import { contextFor, records } from "../fixtures.js";

describe("dropSuffixDuplicate", () => {
  it("keeps every captured real output that does not repeat the text below it", () => {
    for (const r of records) {
      const c = contextFor(r);
      expect(isSuffixDuplicate(r.raw, c.linePrefix, c.lineSuffix, c.nextLines)).toBe(false);
    }
  });

  it("drops a completion equal to the following line (the real next line of a fixture)", () => {
    for (const r of records.filter((x) => x.source === "human-eval single-line").slice(0, 5)) {
      const c = contextFor(r);
      const next = c.nextLines.find((l) => l.trim().length >= 4);
      if (!next || next !== c.nextLines.find((l) => l.trim().length > 0)) continue;
      expect(isSuffixDuplicate(`${next}\n`, c.linePrefix, c.lineSuffix, c.nextLines)).toBe(true);
    }
  });

  it("drops a completion equal to the rest of the line", () => {
    const r = records.find((x) => x.id === "server/config/resolveSettings.ts:20:args");
    if (!r) throw new Error("fixture missing");
    const c = contextFor(r);
    expect(isSuffixDuplicate(c.lineSuffix, c.linePrefix, c.lineSuffix, c.nextLines)).toBe(true);
  });
});
