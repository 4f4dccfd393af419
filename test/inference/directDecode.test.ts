import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openGreedyDecoder } from "../../server/inference/directDecode.js";
import { generate } from "../../server/inference/generate.js";
import { LlamaEngine } from "../../server/inference/LlamaEngine.js";
import { Cursor } from "../../server/text/Cursor.js";
import { humanEvalProblems } from "./humanEval.js";
import { quietLogger, testSettings } from "./models.js";

// Greedy decoding through node-llama-cpp's native context (directDecode.ts) on the real model: active with the
// installed node-llama-cpp (an upgrade that moves its internals fails here instead of silently slowing every
// completion), the very tokens node-llama-cpp's evaluate() generates, the sequence left as evaluate() leaves it, and
// evaluate() taking over where a step needs it.

const engine = new LlamaEngine({ model: testSettings().model, logger: quietLogger, cacheReuse: 0 });
let model: LlamaModel;
const contexts: LlamaContext[] = [];

beforeAll(async () => {
  await engine.load();
  const s = engine.internals;
  if (!s) throw new Error("not loaded");
  model = s.model;
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.dispose();
  await engine.dispose();
});

async function freshSequence(contextSize = 2048, sequences = 1): Promise<LlamaContextSequence> {
  const context = await model.createContext({ contextSize, threads: 1, sequences });
  contexts.push(context);
  return context.getSequence();
}

/** node-llama-cpp's own greedy generation, the reference: `count` tokens (EOG included) after `prompt`. */
async function evaluateTokens(prompt: Token[], count: number, contextSize = 2048): Promise<Token[]> {
  const sequence = await freshSequence(contextSize);
  const out: Token[] = [];
  for await (const token of sequence.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
    out.push(token);
    if (out.length >= count || model.isEogToken(token)) break;
  }
  return out;
}

/** A plain-text prompt (no FIM tokens) the tiny model continues for a long way without ending. */
function codePrompt(): Token[] {
  const problem = humanEvalProblems(1)[0]!;
  return model.tokenize(problem.prompt + problem.canonical_solution);
}

describe("greedy decoding through the native context", () => {
  it("is what the engine's completions run on with the installed node-llama-cpp", async () => {
    expect(openGreedyDecoder(engine.internals!.sequence)).not.toBeNull();
    const problem = humanEvalProblems(1)[0]!;
    const result = await engine.infill({ cursor: Cursor.between(problem.prompt, problem.suffix), maxTokens: 16 });
    expect(result.tokens.generated).toBeGreaterThan(0);
    expect(result.speculation.directPasses).toBe(result.speculation.targetPasses);
    // The generation's waits for llama.cpp's decode and sampler are part of its time, the rest is dhi's own work.
    const { decodeWaitMs, sampleWaitMs, generateMs } = result.timings;
    expect(decodeWaitMs).toBeGreaterThan(0);
    expect(sampleWaitMs).toBeGreaterThan(0);
    expect((decodeWaitMs ?? 0) + (sampleWaitMs ?? 0)).toBeLessThanOrEqual(generateMs);
  });

  it("generates evaluate()'s tokens and leaves the sequence as evaluate() would", async () => {
    const prompt = codePrompt();
    const reference = await evaluateTokens(prompt, 41);
    expect(reference.length, "the prompt must run long for this test to mean anything").toBe(41);

    const sequence = await freshSequence();
    const decoder = openGreedyDecoder(sequence)!;
    const got: Token[] = [];
    let pending: Token[] = prompt;
    for (let i = 0; i < 40; i++) {
      const tokens = await decoder.next(pending);
      expect(tokens).toHaveLength(1);
      got.push(tokens![0]!);
      pending = [tokens![0]!];
    }
    decoder.dispose();
    expect(got).toEqual(reference.slice(0, 40));
    // The sequence's own bookkeeping: what is in the KV cache and where the next token goes.
    expect(sequence.contextTokens).toEqual([...prompt, ...got.slice(0, -1)]);
    expect(sequence.nextTokenIndex).toBe(prompt.length + got.length - 1);
    // node-llama-cpp carries on from that state as if it had made it.
    const next = await sequence.evaluate([got.at(-1)!], { temperature: 0, yieldEogToken: true }).next();
    expect(next.value).toBe(reference[40]);
  });

  it("verifies drafted tokens in one pass and takes refuted ones back out of the KV cache", async () => {
    const prompt = codePrompt();
    const reference = await evaluateTokens(prompt, 6);
    expect(reference).toHaveLength(6);
    const [r0, r1, r2, r3, r4] = reference as [Token, Token, Token, Token, Token];
    const wrong = (r2 === 10 ? 11 : 10) as Token;

    const sequence = await freshSequence();
    const decoder = openGreedyDecoder(sequence)!;
    expect(await decoder.next(prompt)).toEqual([r0]);
    // r0 with two drafts, r1 (right) and a wrong token: the model's token after each of the three.
    const targets = await decoder.next([r0, r1, wrong], 3);
    expect(targets?.slice(0, 2)).toEqual([r1, r2]);
    expect(decoder.discard(1)).toBe(true);
    expect(sequence.contextTokens).toEqual([...prompt, r0, r1]);
    expect(sequence.nextTokenIndex).toBe(prompt.length + 2);
    // Nothing of the refuted token is left to attend to: the next steps are the reference's.
    expect(await decoder.next([r2])).toEqual([r3]);
    decoder.dispose();
    const next = await sequence.evaluate([r3], { temperature: 0, yieldEogToken: true }).next();
    expect(next.value).toBe(r4);
  });

  it("hands the generation to evaluate() at the context's end, with the same tokens as evaluate() alone", async () => {
    const prompt = codePrompt();
    const contextSize = 256;
    const room = contextSize - 1 - prompt.length;
    expect(room, "the prompt must leave some room").toBeGreaterThan(4);
    const run = async (directDecode: boolean) =>
      generate({ sequence: await freshSequence(contextSize), model, prompt, options: { maxTokens: room + 24 }, directDecode });
    const direct = await run(true);
    const plain = await run(false);
    expect(direct.tokenIds).toEqual(plain.tokenIds);
    expect(direct.tokens.generated, "the generation must reach the context's end").toBeGreaterThan(room);
    expect(direct.speculation.directPasses).toBeGreaterThan(0);
    expect(direct.speculation.directPasses).toBeLessThan(direct.speculation.targetPasses);
    expect(plain.speculation.directPasses).toBe(0);
  });

  it("shares llama's thread budget with node-llama-cpp's own decoding in another context and hands it all back", async () => {
    // On one llama with a one-thread budget: node-llama-cpp evaluates the start of a long FIM prompt (over one
    // batch), a direct step follows at once in the same context, then node-llama-cpp decodes in the chat context.
    // A thread share the direct step kept or lost leaves that decode waiting forever.
    for (const problem of humanEvalProblems(3)) {
      const prefix = `${problem.prompt}${problem.canonical_solution}\n`.repeat(6) + problem.prompt;
      const fim = await engine.infill({ cursor: Cursor.between(prefix, problem.suffix), maxTokens: 16 });
      expect(fim.tokens.evaluated, "the prompt must take more than one batch").toBeGreaterThan(engine.internals!.context.batchSize);
      expect(fim.speculation.directPasses).toBeGreaterThan(0);
      const messages = [{ role: "user" as const, text: problem.prompt + problem.canonical_solution }];
      const grounded = await engine.complete({ messages, maxTokens: 16, inputGrounded: true });
      expect(grounded.speculation.kind).toBe("promptLookup");
    }
  }, 30_000);

  it("declines a context shared with other sequences, where node-llama-cpp batches them together", async () => {
    expect(openGreedyDecoder(await freshSequence(512, 2))).toBeNull();
  });

  it("declines a step after it was disposed, having evaluated nothing", async () => {
    const sequence = await freshSequence();
    const decoder = openGreedyDecoder(sequence)!;
    decoder.dispose();
    expect(await decoder.next(codePrompt())).toBeNull();
    expect(sequence.nextTokenIndex).toBe(0);
  });
});
