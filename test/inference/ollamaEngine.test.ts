import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultSettings } from "../../server/config/schema.js";
import { createInferenceEngine } from "../../server/inference/createEngine.js";
import { BackendError, FimUnsupportedError } from "../../server/inference/errors.js";
import { parseNdjson } from "../../server/inference/ndjson.js";
import { OllamaEngine, type OllamaEngineOptions } from "../../server/inference/OllamaEngine.js";
import { AbortError } from "../../server/util/abort.js";
import { closedPort, jsonResponse, startFakeHttpServer, streamed, type FakeHttpServer, type Handler } from "../helpers/fakeHttpServer.js";
import { quietLogger } from "./models.js";
import { Cursor } from "../../server/text/Cursor.js";

// Ollama's native API, served by a local fake on 127.0.0.1. Each response replays a shape from Ollama's
// API documentation (docs/api.md in github.com/ollama/ollama); fixtures/ollama-README.md says which
// section each fixture copies.

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const fixtureJson = (name: string): unknown => JSON.parse(fixture(name)) as unknown;
/** An NDJSON fixture, one written piece per line, as Ollama flushes each object. */
const ndjson = (name: string, delayMs = 0): Handler => streamed("application/x-ndjson", fixture(name).split(/(?<=\n)/), delayMs);
// Ollama's server answers an unknown route or model with a 404 and `{"error": "..."}`.
const notFound: Handler = jsonResponse(404, { error: "404 page not found" });

let fake: FakeHttpServer;
beforeAll(async () => {
  fake = await startFakeHttpServer(notFound);
});
afterAll(() => fake.close());
afterEach(() => fake.reset());

function engine(model: string | null = "qwen2.5-coder:1.5b-base", template = "auto", overrides: Partial<OllamaEngineOptions> = {}): OllamaEngine {
  const s = defaultSettings();
  return new OllamaEngine({
    backend: { ...s.backend, type: "ollama", url: fake.base, model },
    model: { ...s.model, template },
    logger: quietLogger,
    backoffMs: 1,
    timeoutMs: 2000,
    ...overrides,
  });
}

const ollamaRoutes = (show: unknown = fixtureJson("ollama-show.json")): Record<string, Handler> => ({
  "GET /api/tags": jsonResponse(200, fixtureJson("ollama-tags.json")),
  "POST /api/show": jsonResponse(200, show),
});
const bodyOf = (path: string): Record<string, unknown> => JSON.parse(fake.seen.filter((s) => s.path === path).at(-1)?.body ?? "{}") as Record<string, unknown>;

describe("NDJSON parsing", () => {
  it("joins objects split across chunks and skips blank lines", async () => {
    async function* chunks(...parts: string[]) {
      for (const p of parts) yield new TextEncoder().encode(p);
    }
    const values = [];
    for await (const v of parseNdjson(chunks('{"a":', '1}\n\n{"b":2}\r\n{"c"', ":3}"))) values.push(v);
    expect(values).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });
});

describe("OllamaEngine", () => {
  it('is what backend.type "ollama" builds, at http://127.0.0.1:11434 unless backend.url says otherwise', async () => {
    const s = defaultSettings();
    const built = createInferenceEngine({ settings: { ...s, backend: { ...s.backend, type: "ollama", model: "m" } }, logger: quietLogger });
    expect(built).toBeInstanceOf(OllamaEngine);
    expect(s.backend.keepAlive).toBe("30m");
  });

  it("FIM goes through /api/generate with `suffix`, streamed, with keep_alive and greedy options", async () => {
    fake.routes = { ...ollamaRoutes(), "POST /api/generate": ndjson("ollama-generate.ndjson") };
    const e = engine();
    const info = await e.load();
    expect(info).toMatchObject({ backend: "ollama", name: "qwen2.5-coder:1.5b-base", contextSize: 32768, fim: { name: "ollama" } });
    expect(bodyOf("/api/show")).toEqual({ model: "qwen2.5-coder:1.5b-base" });
    const r = await e.infill({ cursor: Cursor.between("import os\nx = os.", "\nprint(x)\n"), extraContext: [{ path: "util.py", text: "X = 1\n" }], path: "main.py", maxTokens: 16 });
    const req = bodyOf("/api/generate");
    expect(req).toEqual({
      model: "qwen2.5-coder:1.5b-base",
      prompt: "# path: util.py\nX = 1\n\nimport os\nx = os.",
      suffix: "\nprint(x)\n",
      stream: true,
      keep_alive: "30m",
      options: { temperature: 0, seed: 42, num_predict: 16 },
    });
    expect(r.text).toBe("path.join(a, b)");
    expect(r.stopReason).toBe("eos");
    expect(r.tokens).toMatchObject({ prompt: 17, evaluated: 17, generated: 5 });
    expect(e.stats.infillCalls).toBe(1);
  });

  it("uses raw mode with the client-built FIM prompt when model.template names one, or the template takes no suffix", async () => {
    fake.routes = { ...ollamaRoutes(), "POST /api/generate": ndjson("ollama-generate.ndjson") };
    await engine(undefined, "starcoder").infill({ cursor: Cursor.between("a = ", "\nb = 2\n"), maxTokens: 8 });
    expect(bodyOf("/api/generate")).toMatchObject({ prompt: "<fim_prefix><fim_suffix>\nb = 2\n<fim_middle>a = ", raw: true });
    expect(bodyOf("/api/generate").suffix).toBeUndefined();
    // An older Ollama without `capabilities`, and a template without .Suffix: the model name picks the template.
    fake.routes = { ...ollamaRoutes({ template: "{{ .Prompt }}", model_info: {} }), "POST /api/generate": ndjson("ollama-generate.ndjson") };
    const guessed = engine();
    await guessed.infill({ cursor: Cursor.between("a = ", "\n"), maxTokens: 8 });
    expect(bodyOf("/api/generate")).toMatchObject({ prompt: "<|fim_prefix|><|fim_suffix|>\n<|fim_middle|>a = ", raw: true });
    expect((await guessed.load()).contextSize).toBe(defaultSettings().model.contextSize);
  });

  it("refuses FIM for a model whose template takes no suffix and whose name gives no template", async () => {
    fake.routes = { ...ollamaRoutes({ capabilities: ["completion"] }), "POST /api/generate": ndjson("ollama-generate.ndjson") };
    await expect(engine("llama3").infill({ cursor: Cursor.between("a", "b") })).rejects.toBeInstanceOf(FimUnsupportedError);
    expect(fake.seen.some((s) => s.path === "/api/generate")).toBe(false);
  });

  it("reports done_reason length as maxTokens, cuts at stop strings, and stops on onText", async () => {
    fake.routes = { ...ollamaRoutes(), "POST /api/generate": ndjson("ollama-generate-length.ndjson") };
    expect((await engine().infill({ cursor: Cursor.between("x", ""), maxTokens: 2 })).stopReason).toBe("maxTokens");
    fake.routes["POST /api/generate"] = ndjson("ollama-generate.ndjson");
    const e = engine();
    expect(await e.infill({ cursor: Cursor.between("x", ""), stop: ["(a"] })).toMatchObject({ text: "path.join", stopReason: "stop" });
    expect(bodyOf("/api/generate")).toMatchObject({ options: { stop: ["(a"] } });
    expect(await e.infill({ cursor: Cursor.between("x", ""), onText: (t) => (t.length >= 4 ? "stop" : undefined) })).toMatchObject({ text: "path", stopReason: "stop" });
  });

  it("complete() streams /api/chat (the model's own template) and passes the JSON schema as `format`", async () => {
    fake.routes = { ...ollamaRoutes(), "POST /api/chat": ndjson("ollama-chat.ndjson") };
    const e = engine();
    const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
    const r = await e.complete({ messages: [{ role: "system", text: "Be brief." }, { role: "user", text: "ok?" }], jsonSchema: schema, maxTokens: 32 });
    expect(bodyOf("/api/chat")).toEqual({
      model: "qwen2.5-coder:1.5b-base",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "ok?" }],
      format: schema,
      stream: true,
      keep_alive: "30m",
      options: { temperature: 0, seed: 42, num_predict: 32 },
    });
    expect(JSON.parse(r.text)).toEqual({ ok: true });
    expect(r.tokens).toMatchObject({ prompt: 26, generated: 4 });
    expect(e.stats.completeCalls).toBe(1);
  });

  it("a model that is not pulled is one line listing what /api/tags has; a bare name finds its :latest", async () => {
    fake.routes = ollamaRoutes();
    const error = await engine("qwen2.5-coder:7b").load().catch((x: unknown) => x);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(
      `dhi: Ollama at ${fake.base} has no model "qwen2.5-coder:7b" ("backend.model"); run \`ollama pull qwen2.5-coder:7b\` (it has: codellama:13b, qwen2.5-coder:1.5b-base, llama3:latest)`,
    );
    expect((await engine("llama3").load()).name).toBe("llama3:latest");
    const unset = await engine(null).load().catch((x: unknown) => x);
    expect((unset as Error).message).toMatch(/"backend\.model" is not set; Ollama has: codellama:13b/);
  });

  it("a model removed after connecting (404 from /api/generate) gives the same not-pulled error", async () => {
    fake.routes = { ...ollamaRoutes(), "POST /api/generate": jsonResponse(404, { error: 'model "qwen2.5-coder:1.5b-base" not found, try pulling it first' }) };
    const e = engine();
    await e.load();
    fake.routes["GET /api/tags"] = jsonResponse(200, { models: [] });
    const error = await e.infill({ cursor: Cursor.between("x", "") }).catch((x: unknown) => x);
    expect((error as Error).message).toMatch(/has no model "qwen2.5-coder:1.5b-base".*ollama pull qwen2.5-coder:1.5b-base.*it has no models yet/);
    expect(e.loaded).toBe(false);
  });

  it("Ollama refusing the connection is one clear line, not a crash", async () => {
    const port = await closedPort();
    const s = defaultSettings();
    const refused = new OllamaEngine({ backend: { ...s.backend, type: "ollama", url: `http://127.0.0.1:${port}`, model: "m" }, model: s.model, logger: quietLogger, backoffMs: 1 });
    const error = await refused.infill({ cursor: Cursor.between("x", "") }).catch((x: unknown) => x);
    expect((error as Error).message).toBe(`dhi: cannot connect to Ollama at http://127.0.0.1:${port} (connection refused). Start it with \`ollama serve\`, or set "backend.url".`);
  });

  it("aborts mid-stream within one token and closes the connection", async () => {
    fake.routes = { ...ollamaRoutes(), "POST /api/generate": ndjson("ollama-generate.ndjson", 100) };
    const controller = new AbortController();
    const pending = engine().infill({ cursor: Cursor.between("x", ""), signal: controller.signal, onText: () => controller.abort() });
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.closedEarly).toContain("/api/generate");
  });
});
