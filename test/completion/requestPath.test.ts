import { describe, expect, it } from "vitest";
import { CompletionService } from "../../server/completion/CompletionService.js";
import { CompletionSettingsSchema, type CompletionSettings } from "../../server/config/schema.js";
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
    if (early) expect("w * h  # the area of the rectangle".startsWith(early.text)).toBe(true);
    await new Promise((r) => setTimeout(r, 600));
    const calls = engine.stats.infillCalls;
    const later = await svc.complete({ uri: "a", path: "a.py", text: TEXT, offset: OFFSET });
    expect(later).toMatchObject({ text: "w * h  # the area of the rectangle", isIncomplete: false, cached: true });
    expect(engine.stats.infillCalls).toBe(calls);
    expect(svc.metrics().budgetHits).toBe(1);
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
