// Shared by the index benchmarks: builds workspaces from real sources under node_modules.
import { cpSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, extname, join, relative } from "node:path";

export const SOURCE_EXTENSIONS = new Set([".ts", ".tsx", ".js", ".mjs", ".cjs", ".py", ".go", ".rs", ".java", ".c", ".h", ".cc", ".cpp", ".hpp"]);

/** Source files under `dir` (no nested node_modules, no `.min.js`, ≤ maxBytes), sorted for determinism. */
export function listSources(dir, maxBytes = 1_000_000) {
  const out = [];
  const walk = (d, depth) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name === ".git" || (e.name === "node_modules" && depth > 0)) continue;
        walk(p, depth + 1);
      } else if (e.isFile() && SOURCE_EXTENSIONS.has(extname(e.name)) && !e.name.endsWith(".min.js")) {
        if (statSync(p).size <= maxBytes) out.push(p);
      }
    }
  };
  walk(dir, 0);
  return out.sort();
}

/**
 * Copies source files from `sourceDir` into `target`, cycling through copies (copy0/, copy1/…), until the corpus
 * holds `count` files. `from` files are already there (an earlier call): copying resumes after them. `keep`
 * filters the source files by absolute path.
 */
export function buildCorpus(sourceDir, target, count, from = 0, keep = () => true) {
  const files = listSources(sourceDir).filter(keep);
  if (files.length === 0) throw new Error(`no source files under ${sourceDir}`);
  for (let n = from; n < count; n++) {
    const f = files[n % files.length];
    const dest = join(target, `copy${Math.floor(n / files.length)}`, relative(sourceDir, f));
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(f, dest);
  }
  return Math.max(from, count);
}

/** Total size of the files under `dir`, in bytes. */
export function corpusBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath ?? e.path, e.name)).size;
  }
  return total;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const round = (x, digits = 2) => (x === null ? null : Number(x.toFixed(digits)));
