import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { modelCacheDir } from "../util/paths.js";
import { downloadErrorMessage } from "./downloadErrors.js";
import { ModelNotConfiguredError, ModelNotFoundError } from "./errors.js";

// Model sources: a local path, or a remote URI (`hf:owner/repo/file.gguf`, https://…) resolved into
// dhi's model cache by node-llama-cpp's resolver (download only when missing).

export function isRemoteModelUri(source: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/i.test(source.trim());
}

export function expandPath(p: string, cwd = process.cwd()): string {
  const t = p.trim();
  const home = t === "~" || t.startsWith("~/") ? homedir() + t.slice(1) : t;
  return isAbsolute(home) ? home : resolve(cwd, home);
}

export interface ResolveModelOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
  /** Which setting the value came from, for error messages. */
  setting?: string;
}

/** A local GGUF path for a `model.path`/`model.draftPath` value. */
export async function resolveModelSource(source: string | null | undefined, options: ResolveModelOptions = {}): Promise<string> {
  if (source == null || source.trim() === "") throw new ModelNotConfiguredError();
  if (isRemoteModelUri(source)) {
    const { resolveModelFile } = await import("node-llama-cpp");
    try {
      return await resolveModelFile(source.trim(), {
        directory: modelCacheDir(options.env),
        cli: false,
        signal: options.signal,
        onProgress: ({ totalSize, downloadedSize }) =>
          options.onProgress?.(totalSize > 0 ? downloadedSize / totalSize : 0, `downloading ${source}`),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new Error(downloadErrorMessage(source.trim(), error), { cause: error });
    }
  }
  const path = expandPath(source);
  if (!existsSync(path) || !statSync(path).isFile()) throw new ModelNotFoundError(path, options.setting ?? "model.path");
  return path;
}
