import type { ControlledEvaluateInputItem, Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaEngine, type SpeculationOptions } from "../../server/inference/LlamaEngine.js";
import { buildFimPrompt } from "../../server/inference/fimPrompt.js";
import type { GenerationResult } from "../../server/inference/types.js";
import { humanEvalProblems } from "./humanEval.js";
import { DRAFT_MODEL, FIM_MODEL, quietLogger, testSettings } from "./models.js";
import { Cursor } from "../../server/text/Cursor.js";

// Exactness: with greedy decoding, speculation must never pick a token the target would not pick.
// llama.cpp's arithmetic depends on the batch size, so a verification batch can flip a near-tie;
// at every divergence the plain run's top-2 probabilities must be a near-tie. A clear margin is a bug.

const PROBLEMS = humanEvalProblems(12);
const MAX_TOKENS = 48;
const NEAR_TIE = 0.02;

function engine(draftPath: string | null, speculation: SpeculationOptions = {}): LlamaEngine {
  return new LlamaEngine({ model: testSettings({ draftPath }).model, logger: quietLogger, speculation });
}

async function runAll(e: LlamaEngine): Promise<GenerationResult[]> {
  const out: GenerationResult[] = [];
  for (const p of PROBLEMS) out.push(await e.infill({ cursor: Cursor.between(p.prompt, p.suffix), maxTokens: MAX_TOKENS }));
  return out;
}

function firstDivergence(a: readonly number[], b: readonly number[]): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k === a.length && k === b.length ? -1 : k;
}

describe("speculative decoding exactness (12 HumanEval prompts, dhi-fim-4m)", () => {
  // No drafting at all: the reference every kind of speculation must reproduce.
  const plain = engine(null, { completionLookup: false });
  let baseline: GenerationResult[] = [];

  beforeAll(async () => {
    baseline = await runAll(plain);
  });
  afterAll(async () => {
    await plain.dispose();
  });

  /** Top-2 probabilities of the plain run at `index`, from a fresh context. */
  async function top2(problem: number, index: number): Promise<[number, number, number | undefined]> {
    const s = plain.internals;
    if (!s?.fim) throw new Error("not loaded");
    const p = PROBLEMS[problem];
    const base = baseline[problem];
    if (!p || !base?.tokenIds) throw new Error("no baseline");
    const prompt = buildFimPrompt(s.model, s.fim, { cursor: Cursor.between(p.prompt, p.suffix) }, { budget: s.sequence.contextSize - MAX_TOKENS - 1 });
    const context = await s.model.createContext({ contextSize: 2048, threads: 1 });
    try {
      const seq = context.getSequence();
      const tokens = [...prompt.tokens, ...base.tokenIds.slice(0, index)];
      const input: ControlledEvaluateInputItem[] = tokens.map((t, i) => (i === tokens.length - 1 ? [t as Token, { generateNext: { probabilities: true } }] : (t as Token)));
      const out = await seq.controlledEvaluate(input);
      const ranked = [...(out.at(-1)?.next.probabilities?.entries() ?? [])];
      return [ranked[0]?.[1] ?? 0, ranked[1]?.[1] ?? 0, ranked[0]?.[0]];
    } finally {
      await context.dispose();
    }
  }

  async function checkExact(results: GenerationResult[]): Promise<number> {
    let identical = 0;
    for (let i = 0; i < PROBLEMS.length; i++) {
      const k = firstDivergence(baseline[i]?.tokenIds ?? [], results[i]?.tokenIds ?? []);
      if (k < 0) {
        identical++;
        continue;
      }
      const [p1, p2] = await top2(i, k);
      expect(p1 - p2, `${PROBLEMS[i]?.task_id} diverged at token ${k} with top-2 ${p1} / ${p2}`).toBeLessThan(NEAR_TIE);
    }
    return identical;
  }

  it("plain greedy is deterministic", async () => {
    const again = await runAll(plain);
    expect(again.map((r) => r.text)).toEqual(baseline.map((r) => r.text));
    // The probability probe used at divergences agrees with the plain run's own choice.
    const [p1, p2, token] = await top2(0, 2);
    expect(token).toBe(baseline[0]?.tokenIds?.[2]);
    expect(p1).toBeGreaterThanOrEqual(p2);
  });

  it("draft model (dhi-fim-draft-1m): same output, real acceptance, fewer target passes", async () => {
    const e = engine(DRAFT_MODEL);
    try {
      const results = await runAll(e);
      expect(await checkExact(results)).toBeGreaterThanOrEqual(10);
      const drafted = results.reduce((n, r) => n + r.speculation.drafted, 0);
      const accepted = results.reduce((n, r) => n + r.speculation.accepted, 0);
      // The draft model drafts, not prompt lookup, and its passes go through the native context.
      expect(results.every((r) => r.speculation.kind === "draft"), JSON.stringify(results)).toBe(true);
      expect(results.every((r) => r.speculation.directPasses === r.speculation.targetPasses)).toBe(true);
      expect(drafted).toBeGreaterThan(0);
      expect(accepted / drafted).toBeGreaterThan(0.3);
      const passes = results.reduce((n, r) => n + r.speculation.targetPasses, 0);
      const basePasses = baseline.reduce((n, r) => n + r.speculation.targetPasses, 0);
      expect(passes).toBeLessThan(basePasses);
    } finally {
      await e.dispose();
    }
  });

  it("the target as its own draft is accepted (almost) always", async () => {
    const e = engine(FIM_MODEL, { draftMinConfidence: 0 });
    try {
      const results = await runAll(e);
      expect(await checkExact(results)).toBeGreaterThanOrEqual(10);
      const drafted = results.reduce((n, r) => n + r.speculation.drafted, 0);
      const accepted = results.reduce((n, r) => n + r.speculation.accepted, 0);
      expect(accepted / drafted).toBeGreaterThan(0.95);
      const generated = results.reduce((n, r) => n + r.tokens.generated, 0);
      const passes = results.reduce((n, r) => n + r.speculation.targetPasses, 0);
      expect(passes / generated).toBeLessThan(0.5);
    } finally {
      await e.dispose();
    }
  });

  it("prompt lookup in completions (no draft model): the plain tokens in fewer passes, all direct", async () => {
    const e = engine(null, { completionLookup: true });
    try {
      const results = await runAll(e);
      // Identical, token for token: the passes that carry drafts are the target's own greedy choices.
      expect(results.map((r) => r.tokenIds)).toEqual(baseline.map((r) => r.tokenIds));
      expect(results.every((r) => r.speculation.kind === "promptLookup")).toBe(true);
      const drafted = results.reduce((n, r) => n + r.speculation.drafted, 0);
      const accepted = results.reduce((n, r) => n + r.speculation.accepted, 0);
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(drafted); // refuted drafts were taken back out of the KV cache
      // At most two drafted tokens a pass (completionLookupMaxTokens' default).
      expect(results.every((r) => r.speculation.drafted <= 2 * r.speculation.targetPasses)).toBe(true);
      const passes = results.reduce((n, r) => n + r.speculation.targetPasses, 0);
      const basePasses = baseline.reduce((n, r) => n + r.speculation.targetPasses, 0);
      expect(basePasses - passes).toBe(accepted);
      // Every pass (these prompts fit one batch) went through the native context (directDecode.ts), none through evaluate().
      expect(results.every((r) => r.speculation.directPasses === r.speculation.targetPasses)).toBe(true);
      expect(baseline.every((r) => r.speculation.kind === "none" && r.speculation.drafted === 0)).toBe(true);
    } finally {
      await e.dispose();
    }
  });

  it("prompt lookup (complete with inputGrounded) gives the same output as plain", async () => {
    let identical = 0;
    let accepted = 0;
    for (const p of PROBLEMS) {
      const messages = [{ role: "user" as const, text: `${p.prompt}${p.canonical_solution}${p.suffix}` }];
      const a = await plain.complete({ messages, maxTokens: 32 });
      const b = await plain.complete({ messages, maxTokens: 32, inputGrounded: true });
      expect(b.speculation.kind).toBe("promptLookup");
      accepted += b.speculation.accepted;
      if (a.text === b.text) identical++;
    }
    expect(identical).toBeGreaterThanOrEqual(10);
    expect(accepted).toBeGreaterThan(0);
  });
});
