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

// A newly opened file's recent-files context, evaluated while the editor is idle: on the real model the first
// request then evaluates only its own file and answers the same; the scheduling (a quiet moment after the open,
// cancelled by any request, never on an unloaded model) with a scripted engine and fake timers.

const logger = new Logger("error");
const settings = defaultSettings();
const completion = { ...settings.completion, responseBudgetMs: 0, maxTokens: 16 };

const FILE_A = "import math\n\n\ndef area(radius):\n    return math.pi * radius ** 2\n\n\ndef circumference(radius):\n    return 2 * math.pi * radius\n";
const FILE_B = "def perimeter(width, height):\n    return 2 * (width + height)\n\n\ndef diagonal(width, height):\n    return ";

function engine(): LlamaEngine {
  // Prefix reuse only: the comparison below is then exact, not up to a shifted run's rounding.
  return new LlamaEngine({ model: { ...settings.model, path: FIM_MODEL, threads: 1, contextSize: 2048 }, logger, env: {}, cacheReuse: 0 });
}

async function withService<T>(run: (service: CompletionService, engine: LlamaEngine) => Promise<T>): Promise<T> {
  const llama = engine();
  const service = new CompletionService({ engine: llama, getSettings: () => completion, logger });
  try {
    await llama.load();
    return await run(service, llama);
  } finally {
    await service.dispose();
    await llama.dispose();
  }
}

/** Open a.py (typed in, so it is in the ring), then b.py; complete at the end of b.py, with or without a prefill first. */
async function firstRequestInB(prefill: boolean) {
  return withService(async (service) => {
    service.noteDocument("file:///a.py", "a.py", FILE_A);
    await service.complete({ uri: "file:///a.py", path: "a.py", text: FILE_A, offset: FILE_A.indexOf("    return 2") });
    service.noteDocument("file:///b.py", "b.py", FILE_B);
    const prefilled = prefill ? await service.prefill.run("file:///b.py", "b.py", FILE_B) : null;
    const result = await service.complete({ uri: "file:///b.py", path: "b.py", text: FILE_B, offset: FILE_B.length });
    return { prefilled, latency: service.lastLatency, text: result?.text ?? null };
  });
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

  it("not at all when a request comes first (typing right away, or in another file)", async () => {
    vi.useFakeTimers();
    const { service, calls } = scripted();
    service.schedulePrefill("file:///b.py", "b.py", FILE_B);
    const answer = service.complete({ uri: "file:///a.py", path: "a.py", text: FILE_A, offset: 10 });
    await vi.advanceTimersByTimeAsync(PREFILL_DELAY_MS * 4);
    await answer;
    expect(calls).toHaveLength(0);
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
