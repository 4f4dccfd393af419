import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultSettings } from "../../server/config/schema.js";
import { BackendError, FimUnsupportedError } from "../../server/inference/errors.js";
import { OpenAIEngine, type OpenAIEngineOptions } from "../../server/inference/OpenAIEngine.js";
import { parseSse, parseSseJson } from "../../server/inference/sse.js";
import { AbortError } from "../../server/util/abort.js";
import { quietLogger } from "./models.js";
import { readFixture } from "./sseFixtures.js";
import { closedPort, jsonResponse, startFakeHttpServer, streamed, type FakeHttpServer, type Handler } from "../helpers/fakeHttpServer.js";
import { Cursor } from "../../server/text/Cursor.js";

// A local HTTP server on 127.0.0.1 replaying SSE as llama-server / OpenAI-compatible servers send it.

let fake: FakeHttpServer;
beforeAll(async () => {
  fake = await startFakeHttpServer(jsonResponse(404, { error: { code: 404, message: "File Not Found", type: "not_found_error" } }));
});
afterAll(() => fake.close());
afterEach(() => fake.reset());

function engine(overrides: Partial<OpenAIEngineOptions> = {}, model = "any-model", template = "auto"): OpenAIEngine {
  const s = defaultSettings();
  return new OpenAIEngine({
    backend: { ...s.backend, type: "openai", url: `${fake.base}/v1`, apiKey: "sk-test", model },
    model: { ...s.model, template },
    logger: quietLogger,
    backoffMs: 1,
    timeoutMs: 2000,
    ...overrides,
  });
}

const json = jsonResponse;
const sse = (events: string[], delayMs = 0): Handler => streamed("text/event-stream", events, delayMs);

const models = (id: string) => json(200, { object: "list", data: [{ id, object: "model", owned_by: "llamacpp" }] });
const llamaServerRoutes = (): Record<string, Handler> => ({
  "GET /v1/models": models("dhi-fim-4m.gguf"),
  "GET /props": json(200, JSON.parse(readFileSync(new URL("./fixtures/llama-server-props.json", import.meta.url), "utf8")) as unknown),
});

describe("SSE parsing", () => {
  async function* chunks(...parts: string[]) {
    for (const p of parts) yield new TextEncoder().encode(p);
  }
  it("handles split chunks, CRLF, comments, multi-line data and [DONE]", async () => {
    const events = [];
    for await (const e of parseSse(chunks(": keep-alive\r\n\r\nevent: x\r\nda", "ta: {\"a\":\ndata: 1}\r\n\r\ndata: [DONE]\n\n"))) events.push(e);
    expect(events).toEqual([{ event: "x", data: '{"a":\n1}' }, { data: "[DONE]" }]);
    const values = [];
    for await (const v of parseSseJson(chunks('data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\ndata: {"n":3}\n\n'))) values.push(v);
    expect(values).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

// Fixtures named llama-server-*.sse are real responses of llama-server built from the llama.cpp that
// node-llama-cpp 3.22.1 bundles (bench/record-sse-fixtures.mjs), serving dhi-fim-4m.gguf.
describe("OpenAIEngine against llama-server (recorded real streams)", () => {
  it("reports llama-server's KV-cache reuse (cache_n) and its completions/chat streams", async () => {
    fake.routes = {
      ...llamaServerRoutes(),
      "POST /infill": sse(readFixture("llama-server-infill-cached.sse")),
      "POST /v1/completions": sse(readFixture("llama-server-completions.sse")),
      "POST /v1/chat/completions": sse(readFixture("llama-server-chat.sse")),
    };
    const cached = await engine({}, "dhi-fim-4m.gguf").infill({ cursor: Cursor.between("def add(a, b):\n    return a", "\n"), maxTokens: 8 });
    expect(cached.tokens).toMatchObject({ prompt: 17, evaluated: 4, reused: 13, generated: 8 });
    expect(cached.stopReason).toBe("maxTokens");
    // A named template makes dhi build the prompt itself and use /v1/completions.
    const viaCompletions = await engine({}, "dhi-fim-4m.gguf", "starcoder").infill({ cursor: Cursor.between("import os\nx = os.", "\nprint(x)\n"), maxTokens: 6 });
    expect(fake.seen.some((s) => s.path === "/v1/completions"), JSON.stringify(fake.seen)).toBe(true);
    expect(viaCompletions.text.length).toBeGreaterThan(0);
    expect(viaCompletions.tokens).toMatchObject({ prompt: 16, evaluated: 16, reused: 0, generated: 5 });
    const chat = await engine({}, "dhi-fim-4m.gguf").complete({ messages: [{ role: "user", text: "ok?" }], maxTokens: 6 });
    expect(chat.text.length).toBeGreaterThan(0);
    expect(chat.stopReason).toBe("maxTokens");
    expect(chat.tokens).toMatchObject({ prompt: 31, generated: 6 });
  });

  it("detects llama-server and uses /infill with the cursor line as `prompt`", async () => {
    fake.routes = { ...llamaServerRoutes(), "POST /infill": sse(readFixture("llama-server-infill.sse")) };
    const e = engine({}, "dhi-fim-4m.gguf");
    const info = await e.load();
    expect(info).toMatchObject({ backend: "openai", contextSize: 2048, name: "dhi-fim-4m.gguf" });
    const r = await e.infill({
      cursor: Cursor.between("def add(a, b):\n    return ", "\n"),
      extraContext: [{ path: "util.py", text: "X = 1\n" }],
      maxTokens: 8,
    });
    const req = JSON.parse(fake.seen.find((s) => s.path === "/infill")?.body ?? "{}") as Record<string, unknown>;
    expect(req).toMatchObject({
      input_prefix: "def add(a, b):\n",
      prompt: "    return ",
      input_suffix: "\n",
      input_extra: [{ filename: "util.py", text: "X = 1\n" }],
      n_predict: 8,
      cache_prompt: true,
      stream: true,
      temperature: 0,
    });
    expect(fake.seen[0]?.auth).toBe("Bearer sk-test");
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.tokens.generated).toBeGreaterThan(0);
    expect(r.tokens.prompt).toBe(r.tokens.evaluated + r.tokens.reused);
    expect(e.stats.infillCalls).toBe(1);
  });
});

describe("OpenAIEngine against a generic OpenAI-compatible server", () => {
  const genericRoutes = (id: string): Record<string, Handler> => ({ "GET /v1/models": models(id) });

  it("builds the FIM prompt client-side for /v1/completions and reads usage", async () => {
    fake.routes = { ...genericRoutes("qwen2.5-coder-1.5b"), "POST /v1/completions": sse(readFixture("openai-completions.sse")) };
    const e = engine({}, "qwen2.5-coder-1.5b");
    const r = await e.infill({ cursor: Cursor.between("import os\nx = os.", "\nprint(x)\n"), maxTokens: 16 });
    const req = JSON.parse(fake.seen.find((s) => s.path === "/v1/completions")?.body ?? "{}") as { prompt: string; model: string };
    expect(req.model).toBe("qwen2.5-coder-1.5b");
    expect(req.prompt).toBe("<|fim_prefix|>import os\n<|fim_suffix|>\nprint(x)\n<|fim_middle|>x = os.");
    expect(r.text).toBe("path.join(a, b)");
    expect(r.tokens).toMatchObject({ prompt: 14, generated: 6 });
  });

  it("cuts at stop strings and stops streaming when onText says so", async () => {
    fake.routes = { ...genericRoutes("qwen2.5-coder-1.5b"), "POST /v1/completions": sse(readFixture("openai-completions.sse"), 20) };
    const e = engine({}, "qwen2.5-coder-1.5b");
    const cut = await e.infill({ cursor: Cursor.between("x = os.", ""), stop: ["(a"] });
    expect(cut).toMatchObject({ text: "path.join", stopReason: "stop" });
    const viaOnText = await e.infill({ cursor: Cursor.between("x = os.", ""), onText: (t) => (t.length >= 4 ? "stop" : undefined) });
    expect(viaOnText.stopReason).toBe("stop");
    expect(viaOnText.text).toBe("path");
  });

  it("refuses FIM for an unknown model without a template, and honours model.template", async () => {
    fake.routes = { ...genericRoutes("mystery-7b"), "POST /v1/completions": sse(readFixture("openai-completions.sse")) };
    await expect(engine({}, "mystery-7b").infill({ cursor: Cursor.between("a", "b") })).rejects.toBeInstanceOf(FimUnsupportedError);
    const e = engine({}, "mystery-7b", "deepseek-coder");
    await e.infill({ cursor: Cursor.between("a", "b") });
    const req = JSON.parse(fake.seen.filter((s) => s.path === "/v1/completions").at(-1)?.body ?? "{}") as { prompt: string };
    expect(req.prompt).toBe("<｜fim▁begin｜><｜fim▁hole｜>b<｜fim▁end｜>a");
  });

  it("complete() streams /v1/chat/completions and forwards the JSON schema", async () => {
    fake.routes = { ...genericRoutes("qwen2.5-coder-1.5b"), "POST /v1/chat/completions": sse(readFixture("openai-chat.sse")) };
    const e = engine({}, "qwen2.5-coder-1.5b");
    const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
    const r = await e.complete({ messages: [{ role: "system", text: "Be brief." }, { role: "user", text: "ok?" }], jsonSchema: schema });
    const req = JSON.parse(fake.seen.find((s) => s.path === "/v1/chat/completions")?.body ?? "{}") as Record<string, unknown>;
    expect(req).toMatchObject({
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "ok?" }],
      response_format: { type: "json_schema", json_schema: { schema } },
      stream: true,
    });
    expect(JSON.parse(r.text)).toEqual({ ok: true });
    expect(e.stats.completeCalls).toBe(1);
  });
});

describe("OpenAIEngine errors, retries, timeouts and abort", () => {
  it("retries 503 and 429 with backoff, then succeeds", async () => {
    let calls = 0;
    const ok = sse(readFixture("openai-completions.sse"));
    fake.routes = {
      "GET /v1/models": models("starcoder2-3b"),
      "POST /v1/completions": (q, b, res) => {
        calls++;
        if (calls === 1) return json(503, { error: { message: "Loading model" } })(q, b, res);
        if (calls === 2) return json(429, { error: { message: "slow down" } }, { "retry-after": "0" })(q, b, res);
        return ok(q, b, res);
      },
    };
    const r = await engine({}, "starcoder2-3b").infill({ cursor: Cursor.between("x", "") });
    expect(calls).toBe(3);
    expect(r.text).toBe("path.join(a, b)");
  });

  it("gives up after the retries with the server's reason", async () => {
    fake.routes = { "GET /v1/models": models("starcoder2-3b"), "POST /v1/completions": json(500, { error: { message: "boom" } }) };
    await expect(engine({ retries: 2 }, "starcoder2-3b").infill({ cursor: Cursor.between("x", "") })).rejects.toThrow(/answered 500: boom/);
    expect(fake.seen.filter((s) => s.path === "/v1/completions")).toHaveLength(3);
  });

  it("401 names backend.apiKey; 404 names backend.url; neither is retried", async () => {
    fake.routes = { "GET /v1/models": json(401, { error: { message: "Invalid API Key", type: "authentication_error" } }) };
    const unauthorized = await engine().load().catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(BackendError);
    expect((unauthorized as BackendError).status).toBe(401);
    expect((unauthorized as Error).message).toMatch(/401 Unauthorized.*Invalid API Key.*backend\.apiKey/);
    expect(fake.seen).toHaveLength(1);
    fake.routes = {};
    fake.seen = [];
    const notFound = await engine().load().catch((e: unknown) => e);
    expect((notFound as Error).message).toMatch(/\/v1\/models does not exist \(404\).*"backend\.url"/);
    expect((notFound as Error).message.split("\n")).toHaveLength(1);
    expect(fake.seen).toHaveLength(1);
  });

  it("connection refused is one clear line naming backend.url", async () => {
    const port = await closedPort();
    const e = engine();
    const s = defaultSettings();
    const refused = new OpenAIEngine({ backend: { ...s.backend, type: "openai", url: `http://127.0.0.1:${port}` }, model: s.model, logger: quietLogger, backoffMs: 1 });
    const error = await refused.load().catch((x: unknown) => x);
    expect((error as Error).message).toBe(`dhi: cannot connect to http://127.0.0.1:${port}/v1/models (connection refused). Is the server running? Check "backend.url".`);
    await e.dispose();
  });

  it("times out a server that never answers", async () => {
    fake.routes = { "GET /v1/models": () => undefined };
    const error = await engine({ timeoutMs: 150, retries: 1 }).load().catch((x: unknown) => x);
    expect((error as Error).message).toMatch(/did not answer within/);
    expect(fake.seen).toHaveLength(2);
  });

  it("aborts mid-stream within one token and closes the connection", async () => {
    fake.routes = { "GET /v1/models": models("starcoder2-3b"), "POST /v1/completions": sse(readFixture("openai-completions.sse"), 100) };
    const controller = new AbortController();
    let after = 0;
    const t0 = performance.now();
    const pending = engine({}, "starcoder2-3b").infill({
      cursor: Cursor.between("x", ""),
      signal: controller.signal,
      onText: () => {
        if (controller.signal.aborted) after++;
        controller.abort();
      },
    });
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(after).toBe(0);
    // The fixture streams 9 events 100 ms apart: rejecting well before the rest would have arrived shows no wait for it.
    expect(performance.now() - t0).toBeLessThan(700);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.closedEarly).toContain("/v1/completions");
  });
});
