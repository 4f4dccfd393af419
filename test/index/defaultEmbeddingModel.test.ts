import { cpSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../server/config/schema.js";
import { DEFAULT_EMBEDDING_MODEL, defaultEmbeddingModelDir } from "../../server/index/defaultEmbeddingModel.js";
import { Embedder } from "../../server/index/Embedder.js";
import { embeddingReadiness } from "../../server/index/embeddingReadiness.js";
import { resolveEmbeddingRuntime } from "../../server/index/embeddingRuntime.js";
import { EMBED_MODEL } from "../helpers/paths.js";

// What `index.embeddingModel: "default"` resolves to, with the model cache empty and filled. The "pulled" model
// here is the tiny test embedder's files laid out where `dhi models pull` puts the default model, so the
// resolution, the nested model id and transformers.js's offline load are all real.

/** Lays the test embedder's files out as a pull of the default model would (q8 ONNX only). */
function fillDefaultModel(env: NodeJS.ProcessEnv): string {
  const dir = defaultEmbeddingModelDir(env);
  for (const file of DEFAULT_EMBEDDING_MODEL.files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(EMBED_MODEL, file), join(dir, file));
  }
  return dir;
}

describe('index.embeddingModel "default"', () => {
  it("with the model cache empty: not ready, naming the default model and `dhi models pull`", () => {
    const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-embed-default-")) };
    const readiness = embeddingReadiness(defaultSettings(), env);
    expect(readiness.ready).toBe(false);
    expect(readiness.detail).toContain(DEFAULT_EMBEDDING_MODEL.id);
    expect(readiness.detail).toContain("dhi models pull");
    expect(readiness.detail).toContain("search works without vectors");
  });

  it("with the default model pulled: resolves to it by its id, and transformers.js loads it offline", async () => {
    const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-embed-default-")) };
    const dir = fillDefaultModel(env);
    const readiness = embeddingReadiness(defaultSettings(), env);
    if (!readiness.ready) throw new Error(readiness.reason);
    expect(readiness.model).toMatchObject({ dir, name: DEFAULT_EMBEDDING_MODEL.id, dtype: "q8" });
    expect(join(readiness.model.localModelPath, readiness.model.name)).toBe(dir);
    expect(readiness.detail).toContain(`embedding model ${DEFAULT_EMBEDDING_MODEL.id} (q8)`);
    const runtimePath = resolveEmbeddingRuntime(env);
    if (!runtimePath) throw new Error("the clone has no @huggingface/transformers: run npm install");
    const embedder = await Embedder.start(readiness.model, { threads: 1, runtimePath });
    try {
      const [vector] = await embedder.embed(["def parse_settings(path): ..."]);
      expect(vector.length).toBe(embedder.dims);
    } finally {
      await embedder.dispose();
    }
  });

  it("a half-pulled folder (no config.json yet) is not taken for the model", () => {
    const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-embed-default-")) };
    const dir = defaultEmbeddingModelDir(env);
    mkdirSync(join(dir, "onnx"), { recursive: true });
    cpSync(join(EMBED_MODEL, "onnx/model_quantized.onnx"), join(dir, "onnx/model_quantized.onnx"));
    cpSync(join(EMBED_MODEL, "tokenizer.json"), join(dir, "tokenizer.json"));
    expect(embeddingReadiness(defaultSettings(), env).ready).toBe(false);
  });

  it("the test embedder is selected explicitly, even when the default model is pulled", () => {
    const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-embed-default-")) };
    fillDefaultModel(env);
    const explicit = embeddingReadiness(defaultSettings(), { ...env, DHI_EMBED_MODEL: EMBED_MODEL });
    expect(explicit).toMatchObject({ ready: true, model: { dir: EMBED_MODEL, name: "dhi-embed-tiny" } });
    // "dhi-embed-tiny" is no longer what "default" means: with only it in the cache, "default" is missing.
    const onlyTiny = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-embed-default-")) };
    cpSync(EMBED_MODEL, join(onlyTiny.DHI_CACHE_DIR, "models", "dhi-embed-tiny"), { recursive: true });
    expect(embeddingReadiness(defaultSettings(), onlyTiny).ready).toBe(false);
    const settings = defaultSettings();
    settings.index.embeddingModel = "dhi-embed-tiny";
    expect(embeddingReadiness(settings, onlyTiny)).toMatchObject({ ready: true, model: { name: "dhi-embed-tiny" } });
  });
});
