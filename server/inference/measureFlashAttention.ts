import { resolve } from "node:path";
import { statSync } from "node:fs";
import { ModelSettingsSchema } from "../config/schema.js";
import { Cursor } from "../text/Cursor.js";
import { Logger } from "../util/logger.js";
import { cpuName } from "./draftMeasurement.js";
import type { FlashAttentionMeasurement } from "./flashAttentionChoice.js";
import { LlamaEngine } from "./LlamaEngine.js";

// Flash attention on vs off for one model on this CPU, then prompt-lookup drafting on vs off with the faster of the
// two, on requests shaped like dhi's own: a long context already in the KV cache (the recent-files ring, the file
// so far), a few hundred new tokens (a newly opened file or an edit), then a generation. Through the engine the
// server uses, each setting in turn, twice, keeping the best.

const MAX_TOKENS = 48;
const ROUNDS = 2;

/** A module of distinct small functions; `seed` makes it share nothing with another seed's. */
function syntheticModule(seed: number, functions: number): string {
  let text = "";
  for (let i = 0; i < functions; i++) {
    const n = seed * 1000 + i;
    text += `def step_${n}(values, scale=${(i % 7) + 1}):\n    total = 0\n    for v in values:\n        total += v * scale - ${i % 5}\n    return total\n\n`;
  }
  return text;
}

/** The cached context every request starts with (about 700 tokens with a typical code tokenizer). */
const SHARED = syntheticModule(0, 20);
const request = (seed: number): Cursor => Cursor.between(`${SHARED}${syntheticModule(seed, 5)}def mean(values):\n    total = 0\n    for v in values:\n        `, "\n    return total / len(values)\n");
const WARM = request(9);
const PROMPTS: Cursor[] = [1, 2, 3].map(request);

async function requestsMs(engine: LlamaEngine, signal?: AbortSignal): Promise<number> {
  let ms = 0;
  for (const cursor of PROMPTS) {
    const result = await engine.infill({ cursor, maxTokens: MAX_TOKENS, signal });
    ms += result.timings.promptMs + result.timings.generateMs;
  }
  return ms;
}

/** The best of ROUNDS totals per variant, the variants' rounds interleaved so that both see the same machine. */
async function bestTimes(modelPath: string, variants: Array<{ flashAttention: boolean; completionLookup: boolean }>, options: { threads?: number; signal?: AbortSignal }): Promise<{ times: number[]; build: string }> {
  const logger = new Logger("error");
  const engines: LlamaEngine[] = [];
  let build = "unknown";
  try {
    for (const { flashAttention, completionLookup } of variants) {
      const model = ModelSettingsSchema.parse({ path: modelPath, threads: options.threads ?? 0, contextSize: 2048, flashAttention });
      // Prefix reuse only: a cached run shifted into a later prompt would hide that prompt's evaluation.
      const engine = new LlamaEngine({ model, logger, env: {}, speculation: { draft: false, promptLookup: false, completionLookup }, cacheReuse: 0 });
      engines.push(engine);
      build = (await engine.load({ signal: options.signal })).llamaBuild ?? build;
      await engine.infill({ cursor: WARM, maxTokens: 4, signal: options.signal }); // warm-up: the shared context is cached
    }
    const times = engines.map(() => Infinity);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, engine] of engines.entries()) times[i] = Math.min(times[i] ?? Infinity, await requestsMs(engine, options.signal));
    }
    return { times, build };
  } finally {
    for (const engine of engines) await engine.dispose();
  }
}

export async function measureFlashAttention(modelPath: string, options: { threads?: number; signal?: AbortSignal } = {}): Promise<FlashAttentionMeasurement> {
  const attention = await bestTimes(modelPath, [{ flashAttention: true, completionLookup: false }, { flashAttention: false, completionLookup: false }], options);
  const [onMs = Infinity, offMs = Infinity] = attention.times;
  const flashAttention = onMs < offMs;
  const lookup = await bestTimes(modelPath, [{ flashAttention, completionLookup: true }, { flashAttention, completionLookup: false }], options);
  const [lookupOnMs = Infinity, lookupOffMs = Infinity] = lookup.times;
  const model = resolve(modelPath);
  return {
    model,
    bytes: statSync(model).size,
    build: attention.build,
    onMs,
    offMs,
    faster: flashAttention ? "on" : "off",
    completionLookup: { onMs: lookupOnMs, offMs: lookupOffMs, faster: lookupOnMs < lookupOffMs ? "on" : "off" },
    cpu: cpuName(),
    measuredAt: new Date().toISOString(),
  };
}
