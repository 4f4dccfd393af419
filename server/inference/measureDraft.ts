import { basename } from "node:path";
import { ModelSettingsSchema } from "../config/schema.js";
import { Cursor } from "../text/Cursor.js";
import { Logger } from "../util/logger.js";
import { cpuName, type DraftMeasurement } from "./draftMeasurement.js";
import { LlamaEngine } from "./LlamaEngine.js";

// Does the draft model speed up this target on this CPU? A few short greedy infills, target alone and
// with the draft, through the same engine the server uses. Small models on few cores often lose: the
// draft's passes cost more than the target passes they save.

const PROMPTS: Cursor[] = [
  Cursor.between("def mean(values):\n    total = 0\n    for v in values:\n        ", "\n    return total / len(values)\n"),
  Cursor.between("function range(start, end) {\n  const out = [];\n  ", "\n  return out;\n}\n"),
  Cursor.between("class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        ", "\n"),
];

const MAX_TOKENS = 48;

async function tokensPerSecond(engine: LlamaEngine, signal?: AbortSignal): Promise<number> {
  await engine.load({ signal });
  await engine.infill({ cursor: PROMPTS[0]!, maxTokens: 8, signal }); // warm-up: first-pass allocations
  let generated = 0;
  let ms = 0;
  for (const cursor of PROMPTS) {
    // A different suffix each run keeps KV reuse from making later runs look faster.
    const result = await engine.infill({ cursor, maxTokens: MAX_TOKENS, signal });
    generated += result.tokens.generated;
    ms += result.timings.generateMs + result.timings.promptMs;
  }
  return ms > 0 ? (1000 * generated) / ms : 0;
}

export async function measureDraft(targetPath: string, draftPath: string, options: { threads?: number; signal?: AbortSignal } = {}): Promise<DraftMeasurement> {
  const logger = new Logger("error");
  const run = async (draft: string | null): Promise<number> => {
    const model = ModelSettingsSchema.parse({ path: targetPath, draftPath: draft, threads: options.threads ?? 0, contextSize: 2048 });
    const engine = new LlamaEngine({ model, logger, env: {}, speculation: { draft: draft !== null, promptLookup: false } });
    try {
      return await tokensPerSecond(engine, options.signal);
    } finally {
      await engine.dispose();
    }
  };
  const targetTokensPerSecond = await run(null);
  const withDraftTokensPerSecond = await run(draftPath);
  return {
    target: basename(targetPath),
    draft: basename(draftPath),
    targetTokensPerSecond,
    withDraftTokensPerSecond,
    faster: withDraftTokensPerSecond > targetTokensPerSecond,
    cpu: cpuName(),
    measuredAt: new Date().toISOString(),
  };
}
