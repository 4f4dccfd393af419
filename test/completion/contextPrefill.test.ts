import { afterEach, describe, expect, it, vi } from "vitest";
import { CompletionService } from "../../server/completion/CompletionService.js";
import { PREFILL_DELAY_MS } from "../../server/completion/ContextPrefill.js";
import { defaultSettings } from "../../server/config/schema.js";
import { LlamaEngine } from "../../server/inference/LlamaEngine.js";
import type { PrefillRequest } from "../../server/inference/types.js";
import { Cursor } from "../../server/text/Cursor.js";
import { Logger } from "../../server/util/logger.js";
import { FIM_MODEL } from "../helpers/paths.js";
import { ScriptedEngine } from "./fakeEngine.js";

// The recent-files ring, updated and evaluated while the editor is idle (llama.vim's ring_update): on the real model a
// newly opened file's first request, and the next request after the ring grew, then evaluate only their own part and
// answer the same; the scheduling (a quiet moment after an open or a request, cancelled by any request, never on an
// unloaded model, and requests that never see a ring the cache does not hold) with a scripted engine and fake timers.

const logger = new Logger("error");
const settings = defaultSettings();
const completion = { ...settings.completion, responseBudgetMs: 0, maxTokens: 16 };

const FILE_A = "import math\n\n\ndef area(radius):\n    return math.pi * radius ** 2\n\n\ndef circumference(radius):\n    return 2 * math.pi * radius\n";
const FILE_B = "def perimeter(width, height):\n    return 2 * (width + height)\n\n\ndef diagonal(width, height):\n    return ";

function engine(): LlamaEngine {
  // Prefix reuse only: the comparison below is then exact, not up to a shifted run's rounding.
  return new LlamaEngine({ model: { ...settings.model, path: FIM_MODEL, threads: 1, contextSize: 2048 }, logger, env: {}, cacheReuse: 0 });
}

/**
 * `prefill: false` gives the service the engine without its prefill(), as a remote engine is: the ring then takes
 * the files edited since at the request, and nothing is evaluated ahead (the comparison for the prefilled runs).
 */
async function withService<T>(run: (service: CompletionService, engine: LlamaEngine) => Promise<T>, prefill = true): Promise<T> {
  const llama = engine();
  const served: LlamaEngine = prefill ? llama : Object.assign(Object.create(llama) as LlamaEngine, { prefill: undefined });
  const service = new CompletionService({ engine: served, getSettings: () => completion, logger });
  try {
    await llama.load();
    return await run(service, llama);
  } finally {
    await service.dispose();
    await llama.dispose();
  }
}

/** Open a.py (typed in, so it goes into the ring), then b.py; complete at the end of b.py, with or without a prefill first. */
async function firstRequestInB(prefill: boolean) {
  return withService(async (service) => {
    service.noteDocument("file:///a.py", "a.py", FILE_A);
    await service.complete({ uri: "file:///a.py", path: "a.py", text: FILE_A, offset: FILE_A.indexOf("    return 2") });
    service.noteDocument("file:///b.py", "b.py", FILE_B);
    const prefilled = prefill ? await service.prefill.run("file:///b.py", "b.py", FILE_B) : null;
    const result = await service.complete({ uri: "file:///b.py", path: "b.py", text: FILE_B, offset: FILE_B.length });
    return { prefilled, latency: service.lastLatency, text: result?.text ?? null };
  }, prefill);
}

/**
 * Type in b.py (a request), edit a.py meanwhile, then after a quiet moment (a warm-up, or none) type one more
 * character in b.py: the ring grew by a.py's chunk between the two requests.
 */
async function nextRequestAfterTheRingGrew(prefill: boolean) {
  return withService(async (service) => {
    service.noteDocument("file:///b.py", "b.py", FILE_B);
    await service.complete({ uri: "file:///b.py", path: "b.py", text: FILE_B, offset: FILE_B.length });
    service.prefill.cancel(); // the test runs the warm-up itself
    service.noteDocument("file:///a.py", "a.py", FILE_A);
    const cursor = Cursor.at(FILE_B, FILE_B.length);
    const warmed = prefill ? await service.prefill.warmUp({ uri: "file:///b.py", path: "b.py", cursor, maxTokens: completion.maxTokens, retrieval: true }) : null;
    const typed = `${FILE_B}m`;
    const result = await service.complete({ uri: "file:///b.py", path: "b.py", text: typed, offset: typed.length });
    return { warmed, latency: service.lastLatency, text: result?.text ?? null };
  }, prefill);
}

describe("the recent-files context of a newly opened file, evaluated ahead (real model)", () => {
  it("the first request then evaluates only its own part, and answers exactly as without the prefill", async () => {
    const without = await firstRequestInB(false);
    const withPrefill = await firstRequestInB(true);
    const prefilled = withPrefill.prefilled;
    expect(prefilled, "a.py is in b.py's ring, so there is something to evaluate").not.toBeNull();
    if (!prefilled) return;
    expect(prefilled.evaluated).toBeGreaterThan(0);
    const before = without.latency?.tokens ?? {};
    const after = withPrefill.latency?.tokens ?? {};
    expect(after.prompt, "the same prompt either way").toBe(before.prompt);
    expect(after.reused ?? 0, JSON.stringify({ before, after, prefilled })).toBeGreaterThanOrEqual(prefilled.stable - 1);
    expect(after.evaluated ?? Infinity, JSON.stringify({ before, after })).toBeLessThan(before.evaluated ?? 0);
    expect(withPrefill.text).toBe(without.text);
  }, 60_000);

  it("after the ring grew, a warm-up evaluates the request's whole prompt: the next keystroke evaluates only itself", async () => {
    const without = await nextRequestAfterTheRingGrew(false);
    const withWarmUp = await nextRequestAfterTheRingGrew(true);
    const warmed = withWarmUp.warmed;
    expect(warmed, "a.py was edited since: the ring changed").not.toBeNull();
    if (!warmed) return;
    expect(warmed.evaluated).toBeGreaterThan(0);
    const before = without.latency?.tokens ?? {};
    const after = withWarmUp.latency?.tokens ?? {};
    expect(after.prompt, "the same prompt either way").toBe(before.prompt);
    // Without it, the request evaluates a.py's chunk and everything after it; with it, the typed character's tokens.
    expect(before.evaluated ?? 0, JSON.stringify({ before })).toBeGreaterThan(20);
    expect(after.evaluated ?? Infinity, JSON.stringify({ before, after, warmed })).toBeLessThanOrEqual(3);
    expect(withWarmUp.text).toBe(without.text);
  }, 60_000);

  it("never loads the model: an engine that has served nothing yet does nothing", async () => {
    const llama = engine();
    try {
      const request: PrefillRequest = { cursor: Cursor.at(FILE_B, 0), extraContext: [{ path: "a.py", text: FILE_A }], path: "b.py" };
      expect(await llama.prefill(request)).toBeNull();
      expect(llama.loaded).toBe(false);
    } finally {
      await llama.dispose();
    }
  });
});

describe("when the prefill runs (scripted engine, fake timers)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function scripted(loaded = true) {
    const engine = new ScriptedEngine(() => "x");
    engine.loaded = loaded;
    const calls: PrefillRequest[] = [];
    Object.assign(engine, { prefill: async (request: PrefillRequest) => (calls.push(request), { stable: 10, evaluated: 10 }) });
    const service = new CompletionService({ engine, getSettings: () => completion, logger });
    service.noteDocument("file:///a.py", "a.py", FILE_A);
    service.noteDocument("file:///b.py", "b.py", FILE_B);
    return { service, calls };
  }

  it("after a quiet moment following the open, with the ring as extra context", async () => {
    vi.useFakeTimers();
    const { service, calls } = scripted();
    service.schedulePrefill("file:///b.py", "b.py", FILE_B);
    await vi.advanceTimersByTimeAsync(PREFILL_DELAY_MS - 1);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]?.extraContext?.map((file) => file.path)).toEqual(["a.py"]);
    expect(calls[0]?.path).toBe("b.py");
    await service.dispose();
  });

  it("not when a request comes first (typing right away, or in another file): that request's warm-up follows instead", async () => {
    vi.useFakeTimers();
    const { service, calls } = scripted();
    service.schedulePrefill("file:///b.py", "b.py", FILE_B);
    const answer = service.complete({ uri: "file:///a.py", path: "a.py", text: FILE_A, offset: 10 });
    await vi.advanceTimersByTimeAsync(PREFILL_DELAY_MS - 1);
    await answer;
    expect(calls).toHaveLength(0);
    // b.py went into the ring while the editor was quiet, and a.py's prompt at that place was evaluated with it.
    await vi.advanceTimersByTimeAsync(PREFILL_DELAY_MS);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toMatchObject({ path: "a.py", whole: true, maxTokens: completion.maxTokens });
    expect(calls[0]?.extraContext?.map((file) => file.path)).toEqual(["b.py"]);
    await service.dispose();
  });

  it("requests see the ring as the last quiet moment left it; an engine without prefill takes the changes at once", async () => {
    vi.useFakeTimers();
    const seen: string[][] = [];
    const remote = new ScriptedEngine((request) => (seen.push(request.extraContext?.map((file) => file.path) ?? []), "x"));
    const remoteService = new CompletionService({ engine: remote, getSettings: () => completion, logger });
    remoteService.noteDocument("file:///a.py", "a.py", FILE_A);
    await remoteService.complete({ uri: "file:///b.py", path: "b.py", text: FILE_B, offset: 20 });
    expect(seen.at(-1), "no prefill(): the ring is updated at the request").toEqual(["a.py"]);
    await remoteService.dispose();

    const local = new ScriptedEngine((request) => (seen.push(request.extraContext?.map((file) => file.path) ?? []), "x"));
    Object.assign(local, { prefill: async () => ({ stable: 10, evaluated: 10 }) });
    const service = new CompletionService({ engine: local, getSettings: () => completion, logger });
    service.noteDocument("file:///a.py", "a.py", FILE_A);
    await service.complete({ uri: "file:///b.py", path: "b.py", text: FILE_B, offset: 20 });
    expect(seen.at(-1), "a.py was edited, but the editor has not been quiet since").toEqual([]);
    await vi.advanceTimersByTimeAsync(PREFILL_DELAY_MS);
    await service.complete({ uri: "file:///b.py", path: "b.py", text: FILE_B, offset: 21 });
    expect(seen.at(-1)).toEqual(["a.py"]);
    await service.dispose();
  });

  it("not on an engine that has not loaded its model", async () => {
    vi.useFakeTimers();
    const { service, calls } = scripted(false);
    service.schedulePrefill("file:///b.py", "b.py", FILE_B);
    await vi.advanceTimersByTimeAsync(PREFILL_DELAY_MS * 4);
    expect(calls).toHaveLength(0);
    await service.dispose();
  });
});
