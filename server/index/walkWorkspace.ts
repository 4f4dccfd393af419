import { opendir, readFile } from "node:fs/promises";
import { join } from "node:path";
import ignore, { type Ignore } from "ignore";

/** Always skipped, whatever .gitignore says: VCS data, dependency trees and dhi's own cache. */
const ALWAYS_EXCLUDED = [".git/", ".hg/", ".svn/", "node_modules/", ".dhi-cache/"];

/** Extensions that are never source text worth indexing. */
const SKIPPED_EXTENSIONS = new Set([
  "png", "jpg", "jpeg", "gif", "webp", "ico", "bmp", "svg", "pdf", "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "tar",
  "jar", "class", "o", "a", "so", "dylib", "dll", "exe", "node", "wasm", "pyc", "onnx", "gguf", "bin", "lock", "map",
  "woff", "woff2", "ttf", "otf", "eot", "mp3", "mp4", "mov", "webm", "sqlite", "db", "wal", "shm", "DS_Store",
]);

function skippedByName(name: string): boolean {
  if (name.endsWith(".min.js") || name.endsWith(".min.css") || name === "package-lock.json" || name === "yarn.lock" || name === "pnpm-lock.yaml") return true;
  const dot = name.lastIndexOf(".");
  return dot !== -1 && SKIPPED_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

export interface WalkOptions {
  /** Extra gitignore-style patterns (index.exclude). */
  exclude: string[];
  signal?: AbortSignal;
}

/**
 * Workspace-relative paths ("/" separators) of candidate files, honouring .gitignore files at every level,
 * `exclude`, and the always-excluded folders. Symbolic links are not followed (no cycles, no escaping the root).
 */
export async function walkWorkspace(root: string, options: WalkOptions): Promise<string[]> {
  const base = ignore().add(ALWAYS_EXCLUDED).add(options.exclude);
  const out: string[] = [];
  // Each level keeps the ignore rules of the .gitignore files above it, with the folder they apply to.
  const visit = async (dir: string, rel: string, rules: Array<{ prefix: string; ig: Ignore }>): Promise<void> => {
    if (options.signal?.aborted) return;
    const gitignore = await readFile(join(dir, ".gitignore"), "utf8").catch(() => null);
    const here = gitignore === null ? rules : [...rules, { prefix: rel, ig: ignore().add(gitignore) }];
    let handle;
    try {
      handle = await opendir(dir);
    } catch {
      return; // Unreadable folder: skip it rather than fail the whole index.
    }
    const subdirs: Array<[string, string]> = [];
    for await (const entry of handle) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      const isDir = entry.isDirectory();
      if (!isDir && !entry.isFile()) continue;
      const probe = isDir ? `${path}/` : path;
      if (base.ignores(probe)) continue;
      if (here.some(({ prefix, ig }) => ig.ignores(prefix ? probe.slice(prefix.length + 1) : probe))) continue;
      if (isDir) subdirs.push([join(dir, entry.name), path]);
      else if (!skippedByName(entry.name)) out.push(path);
    }
    for (const [abs, path] of subdirs) await visit(abs, path, here);
  };
  await visit(root, "", []);
  return out.sort();
}

/**
 * Whether one workspace-relative path is excluded (always-excluded folders, index.exclude, and every .gitignore
 * on its way down), for checking single files without walking the tree.
 */
export function exclusionMatcher(root: string, exclude: string[]): (path: string) => Promise<boolean> {
  const base = ignore().add(ALWAYS_EXCLUDED).add(exclude);
  const cache = new Map<string, Promise<Ignore | null>>();
  const rulesOf = (dir: string): Promise<Ignore | null> => {
    let rules = cache.get(dir);
    if (!rules) {
      rules = readFile(join(root, dir, ".gitignore"), "utf8").then((text) => ignore().add(text), () => null);
      cache.set(dir, rules);
    }
    return rules;
  };
  return async (path: string) => {
    if (base.ignores(path) || skippedByName(path.slice(path.lastIndexOf("/") + 1))) return true;
    const segments = path.split("/");
    for (let depth = 0; depth < segments.length; depth++) {
      const dir = segments.slice(0, depth).join("/");
      const ig = await rulesOf(dir);
      if (!ig) continue;
      const rest = segments.slice(depth);
      // A rule can exclude the file itself or any folder between `dir` and it.
      for (let n = 1; n <= rest.length; n++) {
        const probe = rest.slice(0, n).join("/") + (n < rest.length ? "/" : "");
        if (ig.ignores(probe)) return true;
      }
    }
    return false;
  };
}
