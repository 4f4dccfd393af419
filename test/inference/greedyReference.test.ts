import type { Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompletionService } from "../../server/completion/CompletionService.js";
import { CompletionSettingsSchema } from "../../server/config/schema.js";
import { buildFimPrompt } from "../../server/inference/fimPrompt.js";
import { Cursor } from "../../server/text/Cursor.js";
import { LlamaEngine } from "../../server/inference/LlamaEngine.js";
import { TokenTextStream } from "../../server/inference/tokenText.js";
import type { GenerationResult, InfillRequest } from "../../server/inference/types.js";
import { humanEvalProblems } from "./humanEval.js";
import { quietLogger, testSettings } from "./models.js";

// Identical outputs at 64 tokens: the completion path the server runs (CompletionService → LlamaEngine, with KV
// reuse across a typing session, chunked prompt evaluation and the streaming token loop) against a plain
// node-llama-cpp greedy evaluation of the same prompt tokens in a fresh context (what llama-server /infill does
// with a cold cache). llamaServerIdentical.test.ts compares with llama-server itself, bench/vs-llama-server.mjs at scale.

const MAX_TOKENS = 64;
const PROBLEMS = humanEvalProblems(3);
const KEYSTROKES = 3;

interface Recorded {
  request: InfillRequest;
  result: GenerationResult;
}

describe("greedy outputs at 64 tokens: the server's completion path = a plain greedy evaluation", () => {
  // Prefix-only KV reuse: a shifted run (the default for newly opened files) keeps keys and values computed after what
  // preceded it when it was cached, an approximation (kvReuse.ts), so it has no place in an identity check.
  const engine = new LlamaEngine({ model: testSettings().model, logger: quietLogger, cacheReuse: 0 });
  const recorded: Recorded[] = [];
  // The real engine, with every infill call and its result written down (no behaviour changes).
  const recording = Object.create(engine) as LlamaEngine;
  recording.infill = async (request) => {
    const result = await engine.infill(request);
    recorded.push({ request, result });
    return result;
  };

  beforeAll(async () => {
    await engine.load();
    const settings = CompletionSettingsSchema.parse({ maxTokens: MAX_TOKENS, responseBudgetMs: 0, multiline: true });
    for (const [n, problem] of PROBLEMS.entries()) {
      // A typing session: the solution's first characters, one keystroke per request. The engine's KV cache
      // carries over; a service per request keeps its completion caches from answering without the model.
      for (let k = 0; k < KEYSTROKES; k++) {
        const service = new CompletionService({ engine: recording, getSettings: () => settings, logger: quietLogger });
        const prefix = problem.prompt + problem.canonical_solution.slice(0, k);
        await service.complete({ uri: `file:///p${n}.py`, path: `p${n}.py`, text: prefix + problem.suffix, offset: prefix.length });
        await service.dispose();
        // The engine path alone (what bench/vs-llama-server.mjs times), without the completion's stop rule.
        await recording.infill({ cursor: Cursor.between(prefix, problem.suffix), maxTokens: MAX_TOKENS });
      }
    }
  }, 120_000);

  beforeAll(async () => {
    // Newly opened files, one request each: the recent-files ring grows and its cached chunks are shifted into place.
    // Without prefill() the ring takes each file in at the request (as for a remote engine), not in idle time.
    const settings = CompletionSettingsSchema.parse({ maxTokens: MAX_TOKENS, responseBudgetMs: 0, multiline: true });
    const atRequest = Object.assign(Object.create(recording) as LlamaEngine, { prefill: undefined });
    const service = new CompletionService({ engine: atRequest, getSettings: () => settings, logger: quietLogger });
    for (const [n, problem] of humanEvalProblems(6).entries()) {
      const text = problem.prompt + problem.suffix;
      service.noteDocument(`file:///open${n}.py`, `open${n}.py`, text);
      await service.complete({ uri: `file:///open${n}.py`, path: `open${n}.py`, text, offset: problem.prompt.length });
    }
    await service.dispose();
  }, 120_000);

  afterAll(async () => {
    await engine.dispose();
  });

  /** Greedy generation of `prompt` in a fresh context: one evaluation of the whole prompt, then token by token. */
  async function reference(prompt: Token[], stopTokens: ReadonlySet<Token>): Promise<Token[]> {
    const s = engine.internals;
    if (!s) throw new Error("not loaded");
    const context = await s.model.createContext({ contextSize: s.context.contextSize, threads: 1, flashAttention: s.context.flashAttention });
    try {
      const out: Token[] = [];
      for await (const token of context.getSequence().evaluate(prompt, { temperature: 0 })) {
        if (s.model.isEogToken(token) || stopTokens.has(token)) break;
        out.push(token);
        if (out.length >= MAX_TOKENS) break;
      }
      return out;
    } finally {
      await context.dispose();
    }
  }

  it("every request of the typing sessions generates exactly the reference's tokens and text", async () => {
    const s = engine.internals;
    if (!s?.fim) throw new Error("not loaded");
    expect(recorded.length).toBe(2 * PROBLEMS.length * KEYSTROKES + 6);
    // The sessions really reused the KV cache (otherwise this would only compare two cold evaluations).
    expect(recorded.some((r) => r.result.tokens.reused > 0), JSON.stringify(recorded)).toBe(true);
    let compared = 0;
    for (const { request, result } of recorded) {
      const prompt = buildFimPrompt(s.model, s.fim, request, { budget: s.sequence.contextSize - MAX_TOKENS - 1 });
      const expected = await reference(prompt.tokens, s.fim.stopTokens);
      const got = result.tokenIds ?? [];
      // The completion's own stop rule (end of block) may end a run early; up to there the tokens must agree.
      const want = result.stopReason === "stop" ? expected.slice(0, got.length) : expected;
      expect(got, `request ${compared} (${result.stopReason})`).toEqual(want);
      // The text is the tokens' own pieces, as llama-server streams them (test/inference/tokenText.test.ts).
      const stream = new TokenTextStream(s.model);
      for (const token of want) stream.push(token);
      expect(result.text).toBe(stream.finish());
      compared++;
    }
    // At least one request ran the full 64 tokens, so the check covers long generations.
    expect(recorded.some((r) => r.result.tokens.generated === MAX_TOKENS), JSON.stringify(recorded)).toBe(true);
  });
});
