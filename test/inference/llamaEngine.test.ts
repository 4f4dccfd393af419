import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInferenceEngine } from "../../server/inference/createEngine.js";
import { FimUnsupportedError, ModelNotConfiguredError, ModelNotFoundError } from "../../server/inference/errors.js";
import type { InferenceEngine, LoadProgress } from "../../server/inference/types.js";
import { AbortError, isAbortError } from "../../server/util/abort.js";
import { quietLogger, STORIES_MODEL, testSettings } from "./models.js";
import { Cursor } from "../../server/text/Cursor.js";

const PREFIX = "import os\nimport sys\n\n\ndef read_config(path):\n    with open(path) as f:\n        ";
const SUFFIX = "\n    return config\n\n\ndef main():\n    config = read_config(sys.argv[1])\n    print(config)\n";

describe("LlamaEngine with dhi-fim-4m", () => {
  let engine: InferenceEngine;
  beforeAll(() => {
    engine = createInferenceEngine({ settings: testSettings(), logger: quietLogger });
  });
  afterAll(async () => {
    await engine.dispose();
  });

  it("does not load on construction; concurrent loads share one load and report progress", async () => {
    expect(engine.loaded).toBe(false);
    const seen: LoadProgress[] = [];
    const [a, b] = await Promise.all([engine.load({ onProgress: (p) => seen.push(p) }), engine.load()]);
    expect(a).toBe(b);
    expect(engine.loaded).toBe(true);
    expect(a.fim).toMatchObject({ name: "starcoder", repoLevel: true });
    expect(a.threads).toBe(1);
    expect(a.backend).toBe("embedded");
    expect(["prebuilt", "localBuild"]).toContain(a.llamaBuild);
    // What the context actually got: off on a prebuilt CPU binary, llama.cpp's own choice otherwise.
    expect(a.flashAttention).toBe(a.llamaBuild === "prebuilt" ? false : "auto");
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)?.fraction).toBe(1);
    const fractions = seen.map((p) => p.fraction);
    expect([...fractions].sort((x, y) => x - y)).toEqual(fractions);
  });

  it("infills greedily and deterministically, with token stats and timings", async () => {
    const first = await engine.infill({ cursor: Cursor.between(PREFIX, SUFFIX), maxTokens: 24 });
    const again = await engine.infill({ cursor: Cursor.between(PREFIX, SUFFIX + " "), maxTokens: 24 });
    const third = await engine.infill({ cursor: Cursor.between(PREFIX, SUFFIX), maxTokens: 24 });
    expect(first.text.length).toBeGreaterThan(0);
    expect(third.text).toBe(first.text);
    expect(["eos", "maxTokens"]).toContain(first.stopReason);
    expect(first.tokens.generated).toBeGreaterThan(0);
    expect(first.tokens.generated).toBeLessThanOrEqual(24);
    expect(first.tokens.prompt).toBe(first.tokens.evaluated + first.tokens.reused);
    expect(first.timings.totalMs).toBeGreaterThan(0);
    // No draft model, and prompt lookup's "auto" has no measurement to follow: plain decoding.
    expect(first.speculation.kind).toBe("none");
    expect(again.tokens.reused).toBeGreaterThan(0);
    expect(engine.stats.infillCalls).toBeGreaterThanOrEqual(3);
  });

  it("reuses the KV cache: a keystroke re-evaluates only the new tokens", async () => {
    await engine.infill({ cursor: Cursor.between(PREFIX, SUFFIX), maxTokens: 4 });
    const next = await engine.infill({ cursor: Cursor.between(`${PREFIX}con`, SUFFIX), maxTokens: 4 });
    const tokensBefore = await engine.countTokens(PREFIX.slice(PREFIX.lastIndexOf("\n") + 1));
    const tokensAfter = await engine.countTokens(`${PREFIX}con`.slice(PREFIX.lastIndexOf("\n") + 1));
    expect(next.tokens.reused).toBeGreaterThan(0);
    // psm-line layout: only the cursor-line tail after <fim_middle> changes (±1 for BPE re-merges).
    expect(next.tokens.evaluated).toBeLessThanOrEqual(tokensAfter - tokensBefore + 2);
    expect(next.tokens.reused + next.tokens.evaluated).toBe(next.tokens.prompt);
  });

  it("stops at maxTokens, stop strings and onText", async () => {
    const max = await engine.infill({ cursor: Cursor.between(PREFIX, SUFFIX), maxTokens: 3 });
    expect(max.tokens.generated).toBeLessThanOrEqual(3);
    const long = await engine.infill({ cursor: Cursor.between(PREFIX, SUFFIX), maxTokens: 40 });
    expect(long.text.length).toBeGreaterThan(4);
    const k = Math.floor(long.text.length / 2);
    const stop = long.text.slice(k, k + 2);
    const cut = await engine.infill({ cursor: Cursor.between(PREFIX, SUFFIX), maxTokens: 40, stop: ["@@never@@", stop] });
    expect(cut.stopReason).toBe("stop");
    expect(cut.text).toBe(long.text.slice(0, long.text.indexOf(stop)));
    let calls = 0;
    const viaOnText = await engine.infill({
      cursor: Cursor.between(PREFIX, SUFFIX),
      maxTokens: 40,
      onText: () => (++calls === 2 ? "stop" : undefined),
    });
    expect(viaOnText.stopReason).toBe("stop");
    expect(viaOnText.tokens.generated).toBe(2);
  });

  it("aborts within one token, rejects with AbortError and releases the sequence at once", async () => {
    const controller = new AbortController();
    let tokensAfterAbort = 0;
    const pending = engine.infill({
      cursor: Cursor.between(PREFIX, SUFFIX),
      maxTokens: 100,
      signal: controller.signal,
      onText: (t) => {
        if (controller.signal.aborted) tokensAfterAbort++;
        if (t.length > 0 && !controller.signal.aborted) controller.abort();
      },
    });
    // A second request queues behind the first one on the completion sequence.
    const queued = engine.infill({ cursor: Cursor.between(PREFIX, SUFFIX), maxTokens: 2 });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(tokensAfterAbort).toBeLessThanOrEqual(1);
    const after = await queued;
    expect(after.tokens.generated).toBeGreaterThan(0);

    // Aborted while waiting for the lock: rejects without waiting for the running request.
    const busy = engine.infill({ cursor: Cursor.between(PREFIX, SUFFIX), maxTokens: 30 });
    const waiting = new AbortController();
    const waiter = engine.infill({ cursor: Cursor.between(PREFIX, SUFFIX), maxTokens: 30, signal: waiting.signal });
    waiting.abort();
    expect(isAbortError(await waiter.catch((e: unknown) => e))).toBe(true);
    await busy;

    const already = AbortSignal.abort();
    await expect(engine.infill({ cursor: Cursor.between("x", ""), signal: already })).rejects.toBeInstanceOf(AbortError);
  });

  it("tokenizes and counts without special tokens", async () => {
    const tokens = await engine.tokenize("<fim_prefix>def");
    expect(tokens).not.toContain(1);
    expect(await engine.countTokens("hello world")).toBe((await engine.tokenize("hello world")).length);
  });

  it("completes through a chat template, with a JSON schema and with prompt lookup", async () => {
    const info = await engine.load();
    expect(info.chatTemplate).toBeTruthy();
    const plain = await engine.complete({ messages: [{ role: "user", text: "Write a function." }], maxTokens: 8 });
    expect(plain.tokens.generated).toBeGreaterThan(0);
    const structured = await engine.complete({
      messages: [{ role: "user", text: "Is this ok?" }],
      jsonSchema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
      maxTokens: 32,
    });
    expect(JSON.parse(structured.text)).toHaveProperty("ok");
    const code = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n";
    const grounded = await engine.complete({
      messages: [{ role: "user", text: `Rewrite:\n${code}` }],
      inputGrounded: true,
      maxTokens: 24,
    });
    expect(grounded.speculation.kind).toBe("promptLookup");
    expect(grounded.tokens.generated).toBeGreaterThan(0);
    expect(engine.stats.completeCalls).toBe(3);
  });
});

describe("LlamaEngine errors", () => {
  it("reports a missing model setting, a missing file and a model without FIM", async () => {
    const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-empty-cache-")) };
    const none = createInferenceEngine({ settings: testSettings({ path: null }), logger: quietLogger, env });
    await expect(none.infill({ cursor: Cursor.between("a", "") })).rejects.toBeInstanceOf(ModelNotConfiguredError);
    const missing = createInferenceEngine({ settings: testSettings({ path: "/nonexistent/model.gguf" }), logger: quietLogger });
    await expect(missing.load()).rejects.toBeInstanceOf(ModelNotFoundError);
    const stories = createInferenceEngine({ settings: testSettings({ path: STORIES_MODEL, contextSize: 256 }), logger: quietLogger });
    try {
      const info = await stories.load();
      expect(info.fim).toBeNull();
      await expect(stories.infill({ cursor: Cursor.between("Once", "") })).rejects.toBeInstanceOf(FimUnsupportedError);
      expect(stories.stats.infillCalls).toBe(0);
      const story = await stories.complete({ messages: [{ role: "user", text: "Once upon a time" }], maxTokens: 8 });
      expect(story.tokens.generated).toBeGreaterThan(0);
    } finally {
      await Promise.all([none.dispose(), missing.dispose(), stories.dispose()]);
    }
  });

  it("a named template the model lacks breaks infill only; dispose ends in-flight work", async () => {
    const engine = createInferenceEngine({ settings: testSettings({ template: "deepseek-coder" }), logger: quietLogger });
    await expect(engine.infill({ cursor: Cursor.between("a", "") })).rejects.toBeInstanceOf(FimUnsupportedError);
    const inFlight = engine
      .complete({ messages: [{ role: "user", text: "hello" }], maxTokens: 4000 })
      .then(
        (r) => r.stopReason,
        (e: unknown) => (isAbortError(e) ? "aborted" : e),
      );
    await new Promise((r) => setTimeout(r, 30));
    await engine.dispose();
    const outcome = await inFlight;
    expect(["aborted", "eos", "maxTokens"]).toContain(outcome);
    expect(engine.loaded).toBe(false);
  });

  it("a load can be cancelled", async () => {
    const engine = createInferenceEngine({ settings: testSettings(), logger: quietLogger });
    try {
      await expect(engine.load({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
      const controller = new AbortController();
      const loading = engine.load({ signal: controller.signal });
      controller.abort();
      await expect(loading).rejects.toBeInstanceOf(AbortError);
      expect((await engine.load()).name).toBe("dhi-fim-4m.gguf");
    } finally {
      await engine.dispose();
    }
  });
});
