import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/paths.js";

// The short soak: bench/soak.mjs with 100 cycles on a small workspace. Only its leak checks are asserted
// (child processes, fds, llama.cpp sequences, containers, every request answered, a clean exit); the timing
// figures are left to `npm run bench:soak`.

describe("soak (short)", () => {
  it("100 didChange + completion + cancel cycles while indexing leak nothing", { timeout: 240_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), "dhi-soak-")), "soak");
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, "bench/soak.mjs"), "--cycles", "100", "--files", "300", "--every", "20", "--out", out], { timeout: 230_000 }).catch((error: { stderr?: string }) => {
      // A broken bound exits 1; the JSON written beside says which, and is checked below.
      if (!/FAILED/.test(error.stderr ?? "")) throw error;
    });
    const result = JSON.parse(readFileSync(`${out}.json`, "utf8")) as { checks: Record<string, boolean>; samples: unknown[] };
    const { rssUnderMax, rssGrowthSecondHalfBounded, ...leakChecks } = result.checks;
    expect(leakChecks).toEqual({
      noChildProcessLeft: true, noFdLeak: true, llamaSequencesUnchanged: true, noContainerLeft: true,
      everyRequestAnswered: true, indexFinished: true, exitedCleanly: true,
    });
    expect(rssUnderMax, JSON.stringify(result.samples.slice(-3))).toBe(true);
    expect(readFileSync(`${out}.svg`, "utf8")).toContain("<svg");
    expect(result.samples.length).toBeGreaterThan(3);
  });
});
