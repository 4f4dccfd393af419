import type { Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { PromptLookupDrafter } from "../../server/inference/drafters.js";
import { buildFimText, templateForServerModel } from "../../server/inference/fimText.js";
import { FIM_TEMPLATES } from "../../server/inference/fimTemplates.js";
import { planReuse, planShiftReuse } from "../../server/inference/kvReuse.js";
import { resolveFlashAttention } from "../../server/inference/loadLlama.js";
import { Mutex } from "../../server/util/Mutex.js";
import { StopStringMatcher } from "../../server/inference/StopStringMatcher.js";
import { physicalCores, resolveThreads } from "../../server/inference/threads.js";
import { isAbortError } from "../../server/util/abort.js";
import { Cursor } from "../../server/text/Cursor.js";
import { seeded } from "../helpers/seeded.js";

/** node-llama-cpp brands token ids; tests build them from plain numbers. */
const tokens = (...ids: number[]): Token[] => ids as Token[];

/** Prompt lookup by scanning, as it was before the pair index: the reference the index must agree with. */
function scanLookup(input: readonly Token[], state: readonly Token[], max: number, minMatch = 2, maxMatch = 8): Token[] {
  const lookup = (source: readonly Token[], end: number): Token[] | null => {
    for (let n = Math.min(maxMatch, state.length); n >= minMatch; n--) {
      const tail = state.slice(state.length - n);
      for (let i = Math.min(end, source.length) - n - 1; i >= 0; i--) {
        let j = 0;
        while (j < n && source[i + j] === tail[j]) j++;
        if (j === n) return source.slice(i + n, Math.min(i + n + max, end));
      }
    }
    return null;
  };
  return lookup(input, input.length) ?? lookup(state, state.length - 1) ?? [];
}

describe("inference helpers", () => {
  it("planReuse keeps the common prefix but always re-evaluates the last prompt token", () => {
    expect(planReuse(tokens(1, 2, 3, 4, 5), tokens(1, 2, 3, 9))).toBe(3);
    expect(planReuse(tokens(1, 2, 3), tokens(1, 2, 3))).toBe(2);
    expect(planReuse(tokens(1, 2, 3, 4, 5), tokens(1, 2, 3))).toBe(2);
    expect(planReuse(tokens(), tokens(1, 2))).toBe(0);
  });

  it("planShiftReuse keeps long cached runs after a gap and erases only what lies between them", () => {
    const run = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    // The ring's oldest chunk (300…) left the front: chunk A (100…) shifts down and is kept; the old file's tail goes.
    const cached = tokens(1, 2, ...run(300, 20), ...run(100, 40), ...run(500, 10));
    const prompt = tokens(1, 2, ...run(100, 40), ...run(700, 3));
    expect(planReuse(cached, prompt)).toBe(2);
    expect(planShiftReuse(cached, prompt, 8)).toEqual({ reused: 42, erase: [{ start: 2, end: 22 }, { start: 62, end: 72 }] });
    // Two gaps (a near-duplicate chunk evicted from the middle too).
    const twoGaps = planShiftReuse(tokens(1, ...run(100, 10), 9, 9, ...run(200, 10), 8, ...run(400, 10)), tokens(1, ...run(100, 10), ...run(200, 10), 5), 8);
    expect(twoGaps).toEqual({ reused: 21, erase: [{ start: 11, end: 13 }, { start: 23, end: 34 }] });
    // New tokens inserted before a cached run cannot be shifted up: evaluated again.
    expect(planShiftReuse(tokens(1, 2, ...run(100, 40)), tokens(1, 2, 7, 7, ...run(100, 40)), 8)).toEqual({ reused: 2, erase: [{ start: 2, end: 42 }] });
    // Runs shorter than the minimum are evaluated again rather than shifted.
    expect(planShiftReuse(tokens(1, 2, 9, 9, 3, 4), tokens(1, 2, 3, 4, 5), 8)).toEqual({ reused: 2, erase: [{ start: 2, end: 6 }] });
    // The last prompt token is never counted as reused (it is evaluated for fresh logits).
    expect(planShiftReuse(tokens(1, 2, 3), tokens(1, 2, 3)).reused).toBe(2);
  });

  it("Mutex is FIFO and an aborted waiter leaves the queue at once", async () => {
    const m = new Mutex();
    const order: string[] = [];
    const release = await m.acquire();
    const a = m.run(undefined, async () => void order.push("a"));
    const c = new AbortController();
    const b = m.run(c.signal, async () => void order.push("b"));
    const d = m.run(undefined, async () => void order.push("d"));
    c.abort();
    expect(isAbortError(await b.catch((e: unknown) => e))).toBe(true);
    release();
    await Promise.all([a, d]);
    expect(order).toEqual(["a", "d"]);
    expect(m.isLocked).toBe(false);
  });

  it("StopStringMatcher finds stops that straddle tokens", () => {
    const m = new StopStringMatcher(["\n\n", "END"]);
    expect(m.find("abc")).toBe(-1);
    expect(m.find("abc\n")).toBe(-1);
    expect(m.find("abc\n\nEN")).toBe(3);
    expect(new StopStringMatcher(["END"]).find("xxENDyy")).toBe(2);
  });

  it("threads: 0 means physical cores from /proc/cpuinfo topology, never the logical count on SMT", () => {
    const smt = ["physical id\t: 0\ncore id\t\t: 0", "physical id\t: 0\ncore id\t\t: 0", "physical id\t: 0\ncore id\t\t: 1", "physical id\t: 0\ncore id\t\t: 1"].join("\n\n");
    expect(physicalCores(smt)).toBeLessThanOrEqual(2);
    expect(resolveThreads(3)).toBe(3);
    expect(resolveThreads(0)).toBeGreaterThanOrEqual(1);
    // Tiny models run fastest on one thread; large ones get the physical cores.
    expect(resolveThreads(0, 7_410_432)).toBe(1);
    expect(resolveThreads(0, 1_600_000_000)).toBe(physicalCores());
    expect(resolveThreads(4, 7_410_432)).toBe(4);
  });

  it("prompt lookup proposes what followed the latest match in the input", () => {
    const d = new PromptLookupDrafter(tokens(10, 11, 12, 13, 14, 15, 11, 12, 20, 21));
    expect(d.draft(tokens(1, 2, 11, 12), 3)).toEqual([20, 21]);
    expect(d.draft(tokens(1, 13, 14), 2)).toEqual([15, 11]);
    expect(d.draft(tokens(7, 8, 9), 4)).toEqual([]);
  });

  it("prompt lookup through its pair index drafts exactly what a scan of the input and the state finds", () => {
    const random = seeded(7);
    const pick = (alphabet: number): number => Math.floor(random() * alphabet);
    let drafted = 0;
    for (let run = 0; run < 200; run++) {
      // Small alphabets repeat often: long matches, ties and overlaps with the tail.
      const alphabet = 2 + (run % 6);
      const input = tokens(...Array.from({ length: pick(60) }, () => pick(alphabet)));
      const drafter = new PromptLookupDrafter(input);
      // One drafter follows a growing state, as within a generation; now and then the state is cut back.
      let state = tokens(...Array.from({ length: pick(40) }, () => pick(alphabet)));
      for (let step = 0; step < 30; step++) {
        const max = 1 + pick(8);
        const expected = scanLookup(input, state, max);
        expect(drafter.draft(state, max), `run ${run}, step ${step}`).toEqual(expected);
        drafted += expected.length;
        state = step % 11 === 10 ? state.slice(0, pick(state.length + 1)) : [...state, ...tokens(...Array.from({ length: 1 + pick(3) }, () => pick(alphabet)))];
      }
    }
    expect(drafted).toBeGreaterThan(1000);
  });

  it("client-side FIM text per template and a model-id guess", () => {
    const input = { cursor: Cursor.between("a = 1\nb = ", "\nprint(b)\n") };
    expect(buildFimText(FIM_TEMPLATES.starcoder!, input)).toBe("<fim_prefix>a = 1\n<fim_suffix>\nprint(b)\n<fim_middle>b = ");
    expect(buildFimText(FIM_TEMPLATES.codestral!, input)).toBe("[SUFFIX]\nprint(b)\n[PREFIX]a = 1\nb = ");
    expect(buildFimText(FIM_TEMPLATES["qwen2.5-coder"]!, { ...input, path: "m.py", extraContext: [{ path: "u.py", text: "X = 1" }] })).toBe(
      "<|repo_name|>repo\n<|file_sep|>u.py\nX = 1\n<|file_sep|>m.py\n<|fim_prefix|>a = 1\n<|fim_suffix|>\nprint(b)\n<|fim_middle|>b = ",
    );
    expect(templateForServerModel("auto", "Qwen2.5-Coder-7B-Instruct")?.name).toBe("qwen2.5-coder");
    expect(templateForServerModel("auto", "llama3")).toBeNull();
    expect(templateForServerModel("codegemma", "whatever")?.name).toBe("codegemma");
  });

  it("flash attention: auto is off only for a prebuilt binary on the CPU; an explicit setting always wins", () => {
    expect(resolveFlashAttention("auto", { gpu: false, buildType: "prebuilt" })).toBe(false);
    expect(resolveFlashAttention("auto", { gpu: false, buildType: "localBuild" })).toBe("auto");
    expect(resolveFlashAttention("auto", { gpu: "cuda", buildType: "prebuilt" })).toBe("auto");
    expect(resolveFlashAttention(true, { gpu: false, buildType: "prebuilt" })).toBe(true);
    expect(resolveFlashAttention(false, { gpu: "cuda", buildType: "localBuild" })).toBe(false);
  });
});
