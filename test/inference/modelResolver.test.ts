import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheFileName, DEFAULT_DRAFT_MODEL_URI, DEFAULT_MODEL_URI } from "../../server/inference/defaultModels.js";
import { cpuName, writeDraftMeasurement, type DraftMeasurement } from "../../server/inference/draftMeasurement.js";
import { chooseDraft, chooseModel, describeModelChoice } from "../../server/inference/modelResolver.js";

// One resolver for server, CLI and doctor: model.path, then DHI_MODEL, then the pulled default;
// local paths (absolute, relative, ~), hf: URIs and https URLs.

function cache(pulled: { model?: boolean; draft?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "dhi-resolver-"));
  const models = join(dir, "models");
  mkdirSync(models, { recursive: true });
  const target = join(models, cacheFileName(DEFAULT_MODEL_URI));
  const draft = join(models, cacheFileName(DEFAULT_DRAFT_MODEL_URI));
  if (pulled.model) writeFileSync(target, "GGUF");
  if (pulled.draft) writeFileSync(draft, "GGUF");
  return { env: { DHI_CACHE_DIR: dir } as NodeJS.ProcessEnv, target, draft };
}

function measurement(faster: boolean, overrides: Partial<DraftMeasurement> = {}): DraftMeasurement {
  return {
    target: cacheFileName(DEFAULT_MODEL_URI),
    draft: cacheFileName(DEFAULT_DRAFT_MODEL_URI),
    targetTokensPerSecond: 20,
    withDraftTokensPerSecond: faster ? 30 : 10,
    faster,
    cpu: cpuName(),
    measuredAt: "2026-12-03T00:00:00Z",
    ...overrides,
  };
}

describe("chooseModel", () => {
  it("model.path first, then DHI_MODEL (named as such), then the pulled default, else none", () => {
    const { env, target } = cache({ model: true });
    expect(chooseModel({ path: "/models/a.gguf" }, env)).toEqual({ source: "/models/a.gguf", origin: "model.path", remote: false });
    // Settings fold DHI_MODEL into model.path; the resolver still says where it came from.
    expect(chooseModel({ path: "/models/b.gguf" }, { ...env, DHI_MODEL: "/models/b.gguf" })).toMatchObject({ origin: "DHI_MODEL" });
    expect(chooseModel({ path: null }, env)).toEqual({ source: target, origin: "pulled default", remote: false });
    expect(chooseModel({ path: "  " }, env)).toMatchObject({ origin: "pulled default" });
    expect(chooseModel({ path: null }, cache().env)).toBeNull();
  });

  it("accepts ~, relative paths, hf: URIs and https URLs", () => {
    const { env } = cache();
    expect(chooseModel({ path: "~/models/m.gguf" }, env)?.source).toBe(join(homedir(), "models/m.gguf"));
    expect(chooseModel({ path: "m.gguf" }, env, "/work/project")?.source).toBe("/work/project/m.gguf");
    expect(chooseModel({ path: "hf:owner/repo/m.gguf" }, env)).toMatchObject({ source: "hf:owner/repo/m.gguf", remote: true });
    expect(chooseModel({ path: "https://example.com/m.gguf" }, env)).toMatchObject({ source: "https://example.com/m.gguf", remote: true });
  });

  it("describes each choice for doctor: a pulled or existing file is ✓ and named; remote is fetched on first use", () => {
    const { env, target } = cache({ model: true });
    expect(describeModelChoice(chooseModel({ path: null }, env))).toEqual({ ok: true, detail: `${target} (from pulled default)` });
    expect(describeModelChoice(chooseModel({ path: "hf:o/r/m.gguf" }, env))).toMatchObject({ ok: true, detail: expect.stringContaining("first use") });
    expect(describeModelChoice(chooseModel({ path: "/nope/m.gguf" }, env))).toMatchObject({ ok: false, detail: expect.stringContaining("/nope/m.gguf") });
    const none = describeModelChoice(null);
    expect(none.ok).toBe(false);
    expect(none.detail).toContain("dhi setup");
  });
});

describe("chooseDraft", () => {
  it("a configured draft always wins, with ~ and URIs", () => {
    const { env } = cache();
    expect(chooseDraft({ draftPath: "~/d.gguf" }, null, env).source).toBe(join(homedir(), "d.gguf"));
    expect(chooseDraft({ draftPath: "hf:o/r/d.gguf" }, null, { ...env, DHI_DRAFT_MODEL: "hf:o/r/d.gguf" })).toMatchObject({ source: "hf:o/r/d.gguf", origin: "DHI_DRAFT_MODEL" });
  });

  it("the pulled draft is on only with the pulled model and only where it measured faster on this CPU", () => {
    const { env, draft } = cache({ model: true, draft: true });
    const target = chooseModel({ path: null }, env);
    expect(chooseDraft({ draftPath: null }, target, env)).toMatchObject({ source: null, reason: expect.stringContaining("not measured") });
    writeDraftMeasurement(measurement(false), env);
    expect(chooseDraft({ draftPath: null }, target, env)).toMatchObject({ source: null, reason: expect.stringMatching(/measured slower.*10\.0 tok\/s with the draft vs 20\.0/) });
    writeDraftMeasurement(measurement(true), env);
    expect(chooseDraft({ draftPath: null }, target, env)).toMatchObject({ source: draft, origin: "pulled default", reason: expect.stringContaining("measured faster") });
    // Another model as target: the pulled draft is not assumed to fit it.
    expect(chooseDraft({ draftPath: null }, chooseModel({ path: "/m/other.gguf" }, env), env)).toMatchObject({ source: null, reason: expect.stringContaining("pairs with the pulled default") });
    // A measurement from another CPU (a shared cache folder) does not count.
    writeDraftMeasurement(measurement(true, { cpu: "some other CPU x64" }), env);
    expect(chooseDraft({ draftPath: null }, target, env)).toMatchObject({ source: null, reason: expect.stringContaining("not measured") });
  });

  it("says why it is off when no draft was pulled", () => {
    const { env } = cache({ model: true });
    expect(chooseDraft({ draftPath: null }, chooseModel({ path: null }, env), env)).toMatchObject({ source: null, reason: expect.stringContaining("dhi setup") });
  });
});
