import { posix } from "node:path";

export interface PathLookup {
  has(path: string): boolean;
  /** Indexed paths equal to `suffix` or ending with `/suffix`. */
  endingWith(suffix: string): string[];
  /** Indexed paths directly inside a folder equal to `folder` or ending with `/folder`. */
  inFolder(folder: string): string[];
}

const SCRIPT_EXTENSIONS = [".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts"];

function firstExisting(candidates: string[], lookup: PathLookup): string | null {
  for (const c of candidates) if (c && !c.startsWith("../") && lookup.has(c)) return c;
  return null;
}

function bySuffix(suffixes: string[], lookup: PathLookup): string | null {
  for (const s of suffixes) {
    const hits = lookup.endingWith(s);
    if (hits.length > 0) return hits.sort((a, b) => a.length - b.length)[0];
  }
  return null;
}

/** Resolves an import specifier written in `importer` to an indexed workspace path, or null. */
export function resolveImport(importer: string, spec: string, language: string | null, lookup: PathLookup): string | null {
  const dir = posix.dirname(importer);
  switch (language) {
    case "typescript": case "tsx": case "javascript": {
      if (!spec.startsWith(".")) return null; // a package, not a workspace file
      const base = posix.normalize(posix.join(dir, spec));
      const stem = base.replace(/\.(m|c)?(j|t)sx?$/, "");
      return firstExisting([
        base, ...SCRIPT_EXTENSIONS.map((e) => stem + e), ...SCRIPT_EXTENSIONS.map((e) => `${base}/index${e}`),
      ], lookup);
    }
    case "python": {
      const dots = spec.match(/^\.*/)?.[0].length ?? 0;
      const rest = spec.slice(dots).split(".").filter(Boolean).join("/");
      if (dots > 0) {
        let base = dir;
        for (let i = 1; i < dots; i++) base = posix.dirname(base);
        const stem = rest ? posix.join(base, rest) : base;
        return firstExisting([`${stem}.py`, `${stem}/__init__.py`], lookup);
      }
      return bySuffix([`${rest}.py`, `${rest}/__init__.py`], lookup);
    }
    case "c": case "cpp":
      return firstExisting([posix.normalize(posix.join(dir, spec))], lookup) ?? bySuffix([spec], lookup);
    case "java":
      return bySuffix([`${spec.replace(/\./g, "/")}.java`], lookup);
    case "rust": {
      if (!spec.includes("::")) return firstExisting([posix.join(dir, `${spec}.rs`), posix.join(dir, spec, "mod.rs")], lookup);
      const parts = spec.replace(/\{.*$/, "").split("::").filter((p) => p && p !== "crate" && p !== "self" && p !== "super");
      for (let n = parts.length; n > 0; n--) {
        const path = parts.slice(0, n).join("/");
        const hit = bySuffix([`${path}.rs`, `${path}/mod.rs`], lookup);
        if (hit) return hit;
      }
      return null;
    }
    case "go": {
      // A Go import names a package folder; answer with one file of it.
      const segments = spec.split("/");
      for (let n = Math.min(3, segments.length); n > 0; n--) {
        const tail = segments.slice(-n).join("/");
        const hits = lookup.inFolder(tail).filter((p) => p.endsWith(".go"));
        if (hits.length > 0) return hits[0];
      }
      return null;
    }
    default:
      return null;
  }
}
