import { existsSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { Settings } from "../config/schema.js";
import { modelCacheDir } from "../util/paths.js";
import { DEFAULT_EMBEDDING_MODEL, defaultEmbeddingModelDir } from "./defaultEmbeddingModel.js";

/** A local embedding model folder in the transformers.js layout (config.json, tokenizer.json, onnx/model*.onnx). */
export interface EmbeddingModel {
  /** Absolute folder path. */
  dir: string;
  /** transformers.js wants `localModelPath` plus a model name inside it. */
  localModelPath: string;
  name: string;
  /** Which ONNX file to load: `fp32` → onnx/model.onnx, `q8` → onnx/model_quantized.onnx. */
  dtype: "fp32" | "q8";
}

/** `detail` is one line for `dhi doctor`, in both cases. */
export type EmbeddingReadiness =
  | { ready: true; model: EmbeddingModel; source: string; detail: string }
  | { ready: false; reason: string; detail: string };

function found(model: EmbeddingModel, source: string): EmbeddingReadiness {
  return { ready: true, model, source, detail: `embedding model ${model.name} (${model.dtype}) from ${source}` };
}

function missing(reason: string): EmbeddingReadiness {
  return { ready: false, reason, detail: reason };
}

/** A complete model folder: config.json (written last by a pull), tokenizer.json and an ONNX file. */
function modelAt(dir: string, id?: string): EmbeddingModel | null {
  if (!existsSync(join(dir, "config.json")) || !existsSync(join(dir, "tokenizer.json"))) return null;
  const dtype = existsSync(join(dir, "onnx", "model.onnx")) ? "fp32" : existsSync(join(dir, "onnx", "model_quantized.onnx")) ? "q8" : null;
  if (!dtype) return null;
  return id ? { dir, localModelPath: dir.slice(0, dir.length - id.length - 1), name: id, dtype } : { dir, localModelPath: dirname(dir), name: basename(dir), dtype };
}

/**
 * Which embedding model the index will use, found without any network access. `"default"` means
 * DEFAULT_EMBEDDING_MODEL in the model cache (`dhi models pull` puts it there); a path is a local folder;
 * any other value is a model id looked up in the model cache. Used by the index and by `dhi doctor`.
 */
export function embeddingReadiness(settings: Settings, env: NodeJS.ProcessEnv = process.env): EmbeddingReadiness {
  const configured = env.DHI_EMBED_MODEL || settings.index.embeddingModel;
  const source = env.DHI_EMBED_MODEL ? "DHI_EMBED_MODEL" : "index.embeddingModel";
  if (configured === "default") {
    const dir = defaultEmbeddingModelDir(env);
    const model = modelAt(dir, DEFAULT_EMBEDDING_MODEL.id);
    if (model) return found(model, `default (${dir})`);
    return missing(
      `no embedding model: index.embeddingModel is "default" (${DEFAULT_EMBEDDING_MODEL.id}) but it is not in ${dir}; ` +
        "run `dhi models pull`, or set DHI_EMBED_MODEL / index.embeddingModel to a local transformers.js model folder (search works without vectors)",
    );
  }
  const looksLikePath = isAbsolute(configured) || configured.startsWith(".") || existsSync(configured);
  const dir = looksLikePath ? resolve(configured) : join(modelCacheDir(env), configured);
  const model = modelAt(dir);
  if (model) return found(model, `${source} (${dir})`);
  return missing(
    `${source} "${configured}" is not a usable model folder (${dir} needs config.json, tokenizer.json and onnx/model.onnx); ` +
      "models are loaded offline only (search works without vectors)",
  );
}
