import { createRequire } from "node:module";
import { join } from "node:path";
import { cacheRoot } from "../util/paths.js";

// Where transformers.js (the embedding runtime) comes from. It is not one of the package's dependencies:
// its onnxruntime-node runs an install script that downloads CUDA libraries from outside the npm registry,
// which a global install cannot turn off for a dependency (npm 11 applies allowScripts only inside a
// project). So `dhi setup` installs it into the cache with every install script off (the CPU runtime is in
// onnxruntime-node's package itself), and a clone gets it as a development dependency.

export const EMBEDDING_RUNTIME = {
  name: "@huggingface/transformers",
  /** Pinned: the same version the clone's package.json names (a test keeps them equal). */
  version: "4.3.1",
} as const;

export const EMBEDDING_RUNTIME_MISSING =
  "the embedding runtime (@huggingface/transformers) is not installed: `dhi setup` installs it from the npm registry (search works without vectors meanwhile)";

/** `<cache>/embedding-runtime/<version>`: what `dhi setup` installs, with its own node_modules. */
export function embeddingRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), "embedding-runtime", EMBEDDING_RUNTIME.version);
}

/** The runtime's entry file: dhi's own node_modules first (a clone), then the one `dhi setup` installed; null if neither. */
export function resolveEmbeddingRuntime(env: NodeJS.ProcessEnv = process.env): string | null {
  return resolveFrom(import.meta.url) ?? installedEmbeddingRuntime(env);
}

/** The runtime `dhi setup` installed into the cache, or null. */
export function installedEmbeddingRuntime(env: NodeJS.ProcessEnv = process.env): string | null {
  return resolveFrom(join(embeddingRuntimeDir(env), "package.json"));
}

function resolveFrom(from: string): string | null {
  try {
    return createRequire(from).resolve(EMBEDDING_RUNTIME.name);
  } catch {
    return null;
  }
}
