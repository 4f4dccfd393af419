import { describe, expect, it } from "vitest";
import { gcPauseMs, observeGcPauses } from "../../server/util/gcPauses.js";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("gcPauses", () => {
  it("counts the collector's pauses within a window, and none outside it", async () => {
    observeGcPauses();
    observeGcPauses(); // once per process: a second call adds no second observer
    const from = performance.now();
    // Short-lived garbage: the young generation fills many times over, so V8 scavenges.
    let kept = 0;
    for (let i = 0; i < 2_000_000; i++) kept += [i, { i }, `${i}`].length;
    const to = performance.now();
    for (let i = 0; i < 5; i++) await turn(); // entries arrive on a later turn
    const inside = gcPauseMs(from, to);
    expect(kept).toBe(6_000_000);
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThanOrEqual(to - from);
    expect(gcPauseMs(from - 60_000, from - 30_000)).toBe(0);
    // Counting twice over the same window gives the same answer (nothing is consumed).
    expect(gcPauseMs(from, to)).toBe(inside);
  });
});
