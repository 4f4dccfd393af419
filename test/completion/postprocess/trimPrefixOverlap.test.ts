import { describe, expect, it } from "vitest";
import { trimPrefixOverlap } from "../../../server/completion/postprocess/trimPrefixOverlap.js";
import { contextFor, records } from "../fixtures.js";

describe("trimPrefixOverlap", () => {
  it("changes none of the captured real outputs (the tiny model does not echo; no false positives)", () => {
    for (const r of records) expect(trimPrefixOverlap(r.raw, contextFor(r).linePrefix)).toBe(r.raw);
  });

  it("removes an echo of the cursor line (the model restarting the line it was given)", () => {
    // Real cursor line and real removed code from the fixtures, arranged as an echoing model would return them.
    const r = records.find((x) => x.id === "server/config/loadSettings.ts:19:tail");
    if (!r) throw new Error("fixture missing");
    const linePrefix = contextFor(r).linePrefix; // "    const reason = "
    expect(trimPrefixOverlap(`${linePrefix.trim()} ${r.expected}`, linePrefix)).toBe(r.expected);
    expect(trimPrefixOverlap(`reason = ${r.expected}`, linePrefix)).toBe(r.expected);
  });

  it("does not trim an overlap that starts inside a word", () => {
    expect(trimPrefixOverlap("name = 1", "    const rename")).toBe("name = 1");
  });
});
