import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Ignore } from "ignore";
import { isRefusal, readWorkspaceBytes } from "../util/safeFiles.js";
import { ignoreRules, MAX_PATH_DEPTH, pathDepth } from "./ignoreRules.js";

/** Always skipped, whatever .gitignore says: VCS data, dependency trees and dhi's own cache. */
const ALWAYS_EXCLUDED = [".git/", ".hg/", ".svn/", "node_modules/", ".dhi-cache/"];

/** Extensions that are never source text worth indexing. */
const SKIPPED_EXTENSIONS = new Set([
  "png", "jpg", "jpeg", "gif", "webp", "ico", "bmp", "svg", "pdf", "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "tar",
  "jar", "class", "o", "a", "so", "dylib", "dll", "exe", "node", "wasm", "pyc", "onnx", "gguf", "bin", "lock", "map",
  "woff", "woff2", "ttf", "otf", "eot", "mp3", "mp4", "mov", "webm", "sqlite", "db", "wal", "shm", "DS_Store",
]);

const WALK_CONCURRENCY = 8;

/** At most `limit` tasks at once; the rest wait in order. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the finishing task hands over its slot
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function skippedByName(name: string): boolean {
  if (name.endsWith(".min.js") || name.endsWith(".min.css") || name === "package-lock.json" || name === "yarn.lock" || name === "pnpm-lock.yaml") return true;
  const dot = name.lastIndexOf(".");
  return dot !== -1 && SKIPPED_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

/** A folder's .gitignore through the safe reader: a hostile one may link to /dev/zero or outside. */
function readGitignore(root: string, dir: string): string | null {
  const result = readWorkspaceBytes(root, dir ? `${dir}/.gitignore` : ".gitignore", GITIGNORE_CAP);
  return isRefusal(result) ? null : result.bytes.toString("utf8");
}

const GITIGNORE_CAP = 1024 * 1024;

export interface WalkOptions {
  /** Extra gitignore-style patterns (index.exclude). */
  exclude: string[];
  signal?: AbortSignal;
  /** Called after each folder with the number of files found so far. */
  onFound?: (files: number) => void;
}

/**
 * Workspace-relative paths ("/" separators) of candidate files, honouring .gitignore files at every level,
 * `exclude`, and the always-excluded folders. Symbolic links are not followed (no cycles, no escaping the root).
 */
export async function walkWorkspace(root: string, options: WalkOptions): Promise<string[]> {
  const base = ignoreRules([...ALWAYS_EXCLUDED, ...options.exclude]);
  const out: string[] = [];
  // Folders are read a few at a time: one by one, the walk was a second of pure I/O latency before a 10k-file
  // index could start, and without a bound a wide tree could run out of file descriptors.
  const slots = new Semaphore(WALK_CONCURRENCY);
  // Each level keeps the ignore rules of the .gitignore files above it, with the folder they apply to.
  const visit = async (dir: string, rel: string, rules: Array<{ prefix: string; ig: Ignore }>): Promise<void> => {
    if (options.signal?.aborted) return;
    const subdirs: Array<[string, string]> = [];
    let here = rules;
    await slots.run(async () => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return; // Unreadable folder: skip it rather than fail the whole index.
      }
      // Looked up in the listing: trying to open a missing .gitignore in every folder cost a failed open each.
      if (entries.some((entry) => entry.name === ".gitignore")) {
        const gitignore = readGitignore(root, rel);
        if (gitignore !== null) here = [...rules, { prefix: rel, ig: ignoreRules(gitignore) }];
      }
      for (const entry of entries) {
        const path = rel ? `${rel}/${entry.name}` : entry.name;
        const isDir = entry.isDirectory();
        if (!isDir && !entry.isFile()) continue;
        const probe = isDir ? `${path}/` : path;
        if (base.ignores(probe)) continue;
        if (here.some(({ prefix, ig }) => ig.ignores(prefix ? probe.slice(prefix.length + 1) : probe))) continue;
        if (isDir) subdirs.push([join(dir, entry.name), path]);
        else if (!skippedByName(entry.name)) out.push(path);
      }
    });
    options.onFound?.(out.length);
    // Its folders' files would be deeper than MAX_PATH_DEPTH: not walked (a hostile tree can nest thousands deep).
    if ((rel ? pathDepth(rel) : 0) + 2 > MAX_PATH_DEPTH) return;
    await Promise.all(subdirs.map(([abs, path]) => visit(abs, path, here)));
  };
  await visit(root, "", []);
  return out.sort();
}

/**
 * Whether one workspace-relative path is excluded (always-excluded folders, index.exclude, and every .gitignore
 * on its way down), for checking single files without walking the tree.
 */
export function exclusionMatcher(root: string, exclude: string[]): (path: string) => Promise<boolean> {
  const base = ignoreRules([...ALWAYS_EXCLUDED, ...exclude]);
  const cache = new Map<string, Promise<Ignore | null>>();
  const rulesOf = (dir: string): Promise<Ignore | null> => {
    let rules = cache.get(dir);
    if (!rules) {
      const text = readGitignore(root, dir);
      rules = Promise.resolve(text === null ? null : ignoreRules(text));
      cache.set(dir, rules);
    }
    return rules;
  };
  return async (path: string) => {
    if (pathDepth(path) > MAX_PATH_DEPTH) return true;
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
