import { afterEach, describe, expect, it, vi } from "vitest";
import { CompletionService } from "../../server/completion/CompletionService.js";
import { CompletionSettingsSchema, type CompletionSettings } from "../../server/config/schema.js";
import type { CodeIndex } from "../../server/index/types.js";
import { Logger } from "../../server/util/logger.js";
import { ScriptedEngine } from "./fakeEngine.js";

const logger = new Logger("error");
const TEXT = "def area(w, h):\n    return \n";
const OFFSET = TEXT.indexOf("return ") + "return ".length;

function service(engine: ScriptedEngine, overrides: Partial<CompletionSettings>) {
  const settings = CompletionSettingsSchema.parse({ ...overrides });
  return new CompletionService({ engine, getSettings: () => settings, logger });
}

describe("request path (scripted engine, for timing only)", () => {
  it("a newer request for the same document aborts the older one, which settles with AbortError", async () => {
    const engine = new ScriptedEngine(() => "w * h", 20);
    const svc = service(engine, { responseBudgetMs: 0 });
    const first = svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET });
    await new Promise((r) => setTimeout(r, 10));
    const second = svc.complete({ uri: "a", path: "a.py", text: TEXT.replace("return ", "return  "), offset: OFFSET + 1 });
    await expect(first).rejects.toMatchObject({ name: "AbortError" });
    await expect(second).resolves.toBeTruthy();
    await svc.dispose();
  });

  it("debounce rejects a superseded request with AbortError instead of leaving it pending", async () => {
    const engine = new ScriptedEngine(() => "w * h");
    const svc = service(engine, { debounceMs: 200, responseBudgetMs: 0 });
    const first = svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET });
    const second = svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET });
    await expect(first).rejects.toMatchObject({ name: "AbortError" });
    expect((await second)?.text).toBe("w * h");
    expect(engine.stats.infillCalls).toBe(1);
    await svc.dispose();
  });

  it("answers at the budget with isIncomplete, keeps generating, and serves the next request from cache", async () => {
    const engine = new ScriptedEngine(() => "w * h  # the area of the rectangle", 10);
    const svc = service(engine, { responseBudgetMs: 120 });
    const started = performance.now();
    const early = await svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET });
    expect(performance.now() - started).toBeLessThan(250);
    expect(early === null || early.isIncomplete).toBe(true);
    if (early) expect("w * h  # the area of the rectangle".startsWith(early.text), early.text).toBe(true);
    await new Promise((r) => setTimeout(r, 600));
    const calls = engine.stats.infillCalls;
    const later = await svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET });
    expect(later).toMatchObject({ text: "w * h  # the area of the rectangle", isIncomplete: false, cached: true });
    expect(engine.stats.infillCalls).toBe(calls);
    expect(svc.metrics().budgetHits).toBe(1);
    await svc.dispose();
  });

  it("collects garbage between requests only: after the answer, never while a request is in flight", async () => {
    const engine = new ScriptedEngine(() => "w * h", 20);
    const settings = CompletionSettingsSchema.parse({ responseBudgetMs: 0 });
    const inFlightAtCollection: number[] = [];
    let active = 0;
    const svc = new CompletionService({ engine, getSettings: () => settings, logger, betweenRequests: () => inFlightAtCollection.push(active) });
    // A different function each time: every request generates (20 ms), none is a cache hit.
    const ask = async (uri: string): Promise<void> => {
      active++;
      try {
        await svc.complete({ uri, path: `${uri}.py`, text: TEXT.replace("area", `area_${uri}`), offset: OFFSET + uri.length + 1 });
      } finally {
        active--;
      }
    };
    const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
    await ask("a");
    expect(inFlightAtCollection).toEqual([]); // not before the answer is written
    await turn();
    expect(inFlightAtCollection).toEqual([0]);
    // Two at once: one collection, after both.
    await Promise.all([ask("b"), ask("c")]);
    await turn();
    expect(inFlightAtCollection).toEqual([0, 0]);
    // A request that comes before the collection runs cancels it; the one after that request runs.
    await ask("d");
    const next = ask("e");
    await turn();
    await next;
    await turn();
    expect(inFlightAtCollection).toEqual([0, 0, 0]);
    await svc.dispose();
  });

  it("budget 0 waits for the full generation", async () => {
    const engine = new ScriptedEngine(() => "w * h", 30);
    const svc = service(engine, { responseBudgetMs: 0 });
    const result = await svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET });
    expect(result).toMatchObject({ text: "w * h", isIncomplete: false });
    await svc.dispose();
  });

  it("counts shown and accepted completions", async () => {
    const engine = new ScriptedEngine(() => "w * h");
    const svc = service(engine, { responseBudgetMs: 0 });
    const result = await svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET });
    svc.shown(result?.id ?? "");
    svc.accepted(result?.id ?? "");
    expect(svc.acceptanceStats()).toMatchObject({ shown: 1, accepted: 1, rate: 1 });
    await svc.dispose();
  });
});

describe("request path without timers (scripted engine, fake timers)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a completion in a newly opened file answers without time being advanced", async () => {
    vi.useFakeTimers(); // setTimeout, setImmediate, setInterval, Date and performance are all frozen
    const engine = new ScriptedEngine(() => "w * h");
    const svc = service(engine, {}); // the defaults: debounce 0, response budget 300 ms
    // Documents as the server notes them on didOpen: one opened earlier (recent-files context), then the new one.
    svc.noteDocument("file:///other.py", "other.py", "def perimeter(w, h):\n    return 2 * (w + h)\n");
    svc.noteDocument("file:///a.py", "a.py", TEXT);
    const clock = Date.now();
    let settled = false;
    const answer = svc.complete({ uri: "file:///a.py", path: "a.py", text: TEXT, offset: OFFSET }).finally(() => (settled = true));
    // Only microtasks and already-resolved I/O run here; a timer anywhere on the path would leave it pending.
    for (let i = 0; i < 200 && !settled; i++) await Promise.resolve();
    expect(settled).toBe(true);
    const result = await answer;
    expect(result).toMatchObject({ text: "w * h", isIncomplete: false, cached: false });
    expect(Date.now()).toBe(clock);
    expect(svc.lastLatency).toMatchObject({ outcome: "generated", path: "a.py" });
    await svc.dispose();
  });

  it("a request elsewhere does not wait for a background generation nobody waits on", async () => {
    vi.useFakeTimers();
    const long = "w * h  # " + "x".repeat(200); // 1 ms per character: over 200 ms of background work
    // Serial, like the real engine: the second generation runs only once the first has let go of the model.
    const engine = new ScriptedEngine((request) => (request.cursor.prefix.includes("perimeter") ? "2 * (w + h)" : long), 1, true);
    const svc = service(engine, { responseBudgetMs: 20, multiline: false });
    const first = svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET });
    await vi.advanceTimersByTimeAsync(20);
    await first; // answered at the budget; its generation goes on in the background
    const other = "def perimeter(w, h):\n    return \n";
    let settled = false;
    const second = svc.complete({ uri: "b", path: "b.py", text: other, offset: other.indexOf("return ") + 7 }).finally(() => (settled = true));
    // Its own 11 characters take 11 ms; the background generation would have needed another 190 ms.
    await vi.advanceTimersByTimeAsync(15);
    expect(settled).toBe(true);
    expect((await second)?.text).toBe("2 * (w + h)");
    expect(svc.metrics()).toMatchObject({ budgetHits: 1, jobsStarted: 2 });
    await svc.dispose();
  });

  it("the same context that showed nothing is not generated again", async () => {
    const engine = new ScriptedEngine(() => "   ");
    const svc = service(engine, { responseBudgetMs: 0 });
    expect(await svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET })).toBeNull();
    expect(await svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET })).toBeNull();
    expect(engine.stats.infillCalls).toBe(1);
    expect(svc.lastLatency?.outcome).toBe("lru");
    expect(svc.lastDiscarded).not.toBeNull();
    await svc.dispose();
  });
});

describe("the request's cursor (scripted engine: what reaches the engine)", () => {
  const retrievals: Array<{ text: string; offset: number }> = [];
  const index = { retrieve: async (request: { text: string; offset: number }) => (retrievals.push(request), []) } as unknown as CodeIndex;
  const settings = CompletionSettingsSchema.parse({ responseBudgetMs: 0, multiline: false });
  const serviceFor = (engine: ScriptedEngine, maxDocumentLength: number) =>
    new CompletionService({ engine, getSettings: () => settings, logger, index: () => index, maxDocumentLength: () => maxDocumentLength });

  afterEach(() => {
    retrievals.length = 0;
  });

  it("the engine gets the prompt's cursor: the cursor line without its trailing space, the suffix after it", async () => {
    const seen: string[][] = [];
    const engine = new ScriptedEngine(({ cursor }) => (seen.push([cursor.linePrefix, cursor.lineSuffix, cursor.suffix]), "w * h"));
    const svc = serviceFor(engine, Infinity);
    const result = await svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET });
    expect(result).toMatchObject({ text: "w * h", replaceStart: OFFSET, replaceEnd: OFFSET });
    expect(seen).toEqual([["    return", "", "\n"]]);
    // Retrieval reads the same text the prompt is made from (the trailing space removed), at its cursor.
    expect(retrievals).toEqual([expect.objectContaining({ text: "def area(w, h):\n    return\n", offset: OFFSET - 1 })]);
    await svc.dispose();
  });

  it("a document over maxDocumentLength is completed from a window: no retrieval, ranges in the whole document", async () => {
    const filler = (tag: string) => Array.from({ length: 4000 }, (_, i) => `${tag}_${i} = ${i}\n`).join("");
    const text = filler("before") + TEXT + filler("after");
    const offset = filler("before").length + OFFSET;
    const engine = new ScriptedEngine(() => "w * h");
    const svc = serviceFor(engine, 10_000);
    const result = await svc.complete({ uri: "big", path: "big.py", text, offset });
    expect(result).toMatchObject({ text: "w * h", replaceStart: offset, replaceEnd: offset });
    expect(retrievals).toEqual([]);
    expect(svc.lastLatency?.offset, "the latency record's offset is the window's").toBeLessThan(offset);
    await svc.dispose();
  });

  it("in that window, each alternative suggestion's range is in the whole document too", async () => {
    const filler = (tag: string) => Array.from({ length: 4000 }, (_, i) => `${tag}_${i} = ${i}\n`).join("");
    const text = filler("before") + TEXT + filler("after");
    const offset = filler("before").length + OFFSET;
    const answers = ["w * h", "h * w", "w * h * 1"];
    let calls = 0;
    const engine = new ScriptedEngine(() => answers[calls++ % answers.length]);
    const twoSuggestions = CompletionSettingsSchema.parse({ responseBudgetMs: 0, multiline: false, suggestions: 2 });
    const svc = new CompletionService({ engine, getSettings: () => twoSuggestions, logger, index: () => index, maxDocumentLength: () => 10_000 });
    const result = await svc.complete({ uri: "big", path: "big.py", text, offset });
    expect(result?.alternatives?.length, JSON.stringify(result)).toBeGreaterThan(0);
    for (const suggestion of [result, ...(result?.alternatives ?? [])]) expect(suggestion).toMatchObject({ replaceStart: offset, replaceEnd: offset });
    await svc.dispose();
  });

  it("an offset outside the document is a RangeError that names it", async () => {
    const svc = serviceFor(new ScriptedEngine(() => "x"), Infinity);
    await expect(svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: TEXT.length + 1 })).rejects.toThrow(
      new RangeError(`dhi: completion offset ${TEXT.length + 1} is outside the document (length ${TEXT.length})`),
    );
    await expect(svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: 1.5 })).rejects.toBeInstanceOf(RangeError);
    await svc.dispose();
  });
});
