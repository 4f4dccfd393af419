import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaEngine } from "../../server/inference/LlamaEngine.js";
import { TokenTextStream } from "../../server/inference/tokenText.js";
import { quietLogger, testSettings } from "./models.js";

// Generated text must be the tokens' own pieces (what llama-server streams), not llama.cpp's detokenize(), whose
// clean_up_tokenization_spaces (on for GPT-2 style vocabularies like the shared model's) rewrites code.
const CODE = "if (typeof value === 'string') {\n  return f(a , b) .c ? d : e's ' ';\n}\n// ünïcödé ✓ 😀\n";

describe("generated text as token pieces (dhi-fim-4m's byte-level BPE)", () => {
  const engine = new LlamaEngine({ model: testSettings().model, logger: quietLogger });
  beforeAll(async () => {
    await engine.load();
  }, 60_000);
  afterAll(async () => {
    await engine.dispose();
  });

  it("reproduces code exactly, token by token, where detokenize() drops spaces before punctuation", () => {
    const model = engine.internals?.model;
    if (!model) throw new Error("not loaded");
    const tokens = model.tokenize(CODE, false);
    // The bug this guards against: the whole-array detokenize loses the spaces in `=== 'string'`, `a , b`, ` .c`.
    expect(model.detokenize(tokens, false)).not.toBe(CODE);
    const stream = new TokenTextStream(model);
    const seen: string[] = [];
    for (const token of tokens) seen.push(stream.push(token));
    expect(stream.finish()).toBe(CODE);
    // Text so far only grows, and never ends inside a multi-byte character.
    for (let i = 1; i < seen.length; i++) expect(seen[i].startsWith(seen[i - 1]), seen[i]).toBe(true);
    expect(seen.some((text) => text.includes("\uFFFD"))).toBe(false);
  });
});
