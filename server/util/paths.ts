import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** `DHI_CACHE_DIR`, else `$XDG_CACHE_HOME/dhi`, else `~/.cache/dhi`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DHI_CACHE_DIR) return resolve(env.DHI_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "dhi");
  return join(homedir(), ".cache", "dhi");
}

/** Each workspace gets its own cache folder, keyed by the hash of its root path. */
export function workspaceCacheDir(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash("sha256").update(resolve(workspaceRoot)).digest("hex").slice(0, 16);
  return join(cacheRoot(env), "workspaces", hash);
}

export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), "models");
}
