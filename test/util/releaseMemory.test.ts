import { describe, expect, it } from "vitest";
import { releaseMemory } from "../../server/util/releaseMemory.js";

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
