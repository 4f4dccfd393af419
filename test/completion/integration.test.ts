import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompletionService } from "../../server/completion/CompletionService.js";
import { defaultSettings } from "../../server/config/schema.js";
import { createInferenceEngine } from "../../server/inference/createEngine.js";
import type { GenerationResult, InferenceEngine } from "../../server/inference/types.js";
import { Logger } from "../../server/util/logger.js";
import { FIM_MODEL } from "../helpers/paths.js";
import { record } from "./fixtures.js";

// The real shared model through the real engine, greedy (deterministic).

const logger = new Logger("error");
const settings = defaultSettings();
settings.model.path = FIM_MODEL;
settings.model.threads = 1;
const completion = { ...settings.completion, responseBudgetMs: 0, maxTokens: 64 };
let engine: InferenceEngine;
let service: CompletionService;
const lastResults: GenerationResult[] = [];

beforeAll(async () => {
  const real = createInferenceEngine({ settings, logger });
  // Record what the model returned, to check where generation stopped.
  const infill = real.infill.bind(real);
  real.infill = async (request) => {
    const result = await infill(request);
    lastResults.push(result);
    return result;
  };
  engine = real;
  service = new CompletionService({ engine, getSettings: () => completion, logger });
  await engine.load();
});

afterAll(async () => {
  await service.dispose();
  await engine.dispose();
});

describe("completion service with the real model", () => {
  it("trims a completion that would duplicate the suffix", async () => {
    // `for (const [key, value] of Object.entries(|)) {`: the model writes `value) {`, which the line already has.
    const r = record("server/config/resolveSettings.ts:20:args");
    const result = await service.complete({ uri: "file:///a.ts", path: r.path, text: r.text, offset: r.offset });
    expect(result?.debug.rawText).toBe("value) {");
    expect(result?.text).toBe("value");
    const after = r.text.slice(0, r.offset) + (result?.text ?? "") + r.text.slice(result?.replaceEnd ?? r.offset);
    const line = after.split("\n").find((l) => l.includes("Object.entries("));
    expect(line?.trim()).toBe("for (const [key, value] of Object.entries(value)) {");
  });

  it("stops a multi-line completion when the model dedents out of the block", async () => {
    const r = record("server/syntax/parse.ts:38:body");
    lastResults.length = 0;
    const result = await service.complete({ uri: "file:///b.ts", path: r.path, text: r.text, offset: r.offset });
    const generation = lastResults[0];
    expect(generation.stopReason).toBe("stop");
    expect(generation.text).not.toContain("function get(");
    expect(generation.tokens.generated).toBeLessThan(64);
    // Whatever survives verification stays inside the block.
    for (const line of (result?.text ?? "").split("\n").slice(1)) expect(line.startsWith("    "), line).toBe(true);
  });

  it("serves typed-through characters from cache without calling the model", async () => {
    const r = record("server/config/loadSettings.ts:12:args"); // `readFileSync(|);`
    const first = await service.complete({ uri: "file:///c.ts", path: r.path, text: r.text, offset: r.offset });
    expect(first?.text).toBe("file, options)");
    expect(first?.replaceEnd).toBe(r.offset + 1);
    const calls = engine.stats.infillCalls;
    let text = r.text;
    let offset = r.offset;
    for (const ch of "file, ") {
      text = text.slice(0, offset) + ch + text.slice(offset);
      offset++;
      const next = await service.complete({ uri: "file:///c.ts", path: r.path, text, offset });
      expect(next?.cached, JSON.stringify(next)).toBe(true);
      expect(next?.id).toBe(first?.id);
      expect(next?.replaceEnd).toBe(offset + 1);
    }
    const last = await service.complete({ uri: "file:///c.ts", path: r.path, text, offset });
    expect(last?.text).toBe("options)");
    expect(engine.stats.infillCalls).toBe(calls);
    expect(last?.debug.tokens.generated).toBe(0);
  });

  it("samples several candidates with fixed seeds and keeps one that parses", async () => {
    const r = record("server/config/loadSettings.ts:8:args");
    const several = new CompletionService({ engine, getSettings: () => ({ ...completion, candidates: 3 }), logger });
    const calls = engine.stats.infillCalls;
    const result = await several.complete({ uri: "file:///d.ts", path: r.path, text: r.text, offset: r.offset });
    expect(engine.stats.infillCalls - calls).toBe(3);
    expect(result?.debug.tokens.candidates).toBe(3);
    expect(result?.debug.tokens.addedSyntaxErrors === 0 || result?.debug.filtersApplied.includes("verifySyntax"), JSON.stringify(result?.debug)).toBe(true);
    await several.dispose();
  });
});
