import { getHeapSpaceStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import { collectYoungGarbage, releaseMemory } from "../../server/util/releaseMemory.js";

describe("releaseMemory", () => {
  it("collects garbage without --expose-gc", () => {
    let garbage: string[] | null = Array.from({ length: 200_000 }, (_, i) => `chunk text ${i} `.repeat(4));
    const before = process.memoryUsage().heapUsed;
    expect(garbage.length).toBe(200_000);
    garbage = null;
    releaseMemory();
    releaseMemory(); // the second call reuses the collector
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 20 * 2 ** 20);
  });
});

describe("collectYoungGarbage", () => {
  const youngUsed = (): number => getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_used_size ?? 0;

  it("empties the young generation when it holds garbage, and leaves a nearly empty one alone", () => {
    collectYoungGarbage();
    // Garbage (dead at once) until the young generation holds over 1 MB of it; a scavenge meanwhile only means more rounds.
    let made = 0;
    while (youngUsed() <= 1 << 20 && made < 10_000_000) for (let i = 0; i < 1000; i++) made += [i, `${i}`].length;
    expect(youngUsed()).toBeGreaterThan(1 << 20);
    expect(collectYoungGarbage()).toBe(true);
    expect(youngUsed()).toBeLessThan(1 << 20);
    expect(collectYoungGarbage()).toBe(false);
  });
});
