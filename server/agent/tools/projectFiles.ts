import { dirname, posix } from "node:path";

// Small path heuristics the harness uses while locating code.

/** Test files are evidence, not targets: a fix must not "pass" by editing the test. */
export function isTestFile(path: string): boolean {
  return /(^|\/)(tests?|__tests__|spec)\//.test(path) || /(\.|_)(test|spec)\.[^/]+$/.test(path) || /(^|\/)test_[^/]+\.py$/.test(path);
}

// Linear on any file text: each match starts at a keyword and runs to the next quote within bounds. (The earlier
// `import\s[^'"]*?from` scanned ahead from every `import ` and `^\s*` crossed blank lines: quadratic, seconds on a
// crafted file.) `from '…'` covers both `import … from` and `export … from`.
const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*(?:\(\s*)?|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"\n]{1,300})['"]/g;
const PY_IMPORT_RE = /^[ \t]*from[ \t]+([\w.]{1,200})[ \t]+import\s/gm;
const EXTENSIONS = ["", ".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx", "/index.ts", "/index.js", ".py"];

/** Relative imports of a file resolved against the workspace file list (used when there is no index). */
export function localImports(path: string, text: string, files: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  const base = dirname(path) === "." ? "" : dirname(path);
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] as string;
    const joined = posix.normalize(posix.join(base, spec));
    const stripped = joined.replace(/\.(js|mjs|cjs)$/, "");
    for (const candidate of [joined, ...EXTENSIONS.map((e) => stripped + e)]) {
      if (files.has(candidate)) {
        out.add(candidate);
        break;
      }
    }
  }
  if (path.endsWith(".py")) {
    for (const m of text.matchAll(PY_IMPORT_RE)) {
      const module = (m[1] as string).replace(/^\.+/, "").replace(/\./g, "/");
      for (const candidate of [`${module}.py`, posix.join(base, `${module}.py`), `${module}/__init__.py`]) {
        if (files.has(candidate)) {
          out.add(candidate);
          break;
        }
      }
    }
  }
  out.delete(path);
  return [...out];
}

/** `path:line` references in tool output (stack traces, test failures) that name workspace files. */
export function fileLineMentions(output: string, files: ReadonlySet<string>): Array<{ path: string; line: number }> {
  const out: Array<{ path: string; line: number }> = [];
  const seen = new Set<string>();
  // A mention starts where a path can (the lookbehind): else a long `a.a.a…` run was matched from each character.
  for (const m of output.matchAll(/(?<![\w./@-])([\w./@-]+\.[A-Za-z]{1,5})(?::|", line |\()(\d+)/g)) {
    let candidate = (m[1] as string).replace(/^file:\/\//, "");
    // The sandbox runs the project under some folder (e.g. /work): match the longest workspace suffix.
    let found: string | null = null;
    while (candidate.length > 0) {
      if (files.has(candidate)) {
        found = candidate;
        break;
      }
      const slash = candidate.indexOf("/");
      if (slash < 0) break;
      candidate = candidate.slice(slash + 1);
    }
    const key = `${found}:${m[2]}`;
    if (found && !seen.has(key)) {
      seen.add(key);
      out.push({ path: found, line: Number(m[2]) });
    }
  }
  return out;
}

/** Path-like words of the instruction (`src/a.ts`, `.env`, `README.md`). */
export function pathsInInstruction(instruction: string): string[] {
  const out = new Set<string>();
  for (const m of instruction.matchAll(/(?:^|[\s"'`(])((?:\.{0,2}[\w@-]*\/)*\.?[\w@-]+\.[\w]{1,8}|\.[\w-]+)(?=$|[\s"'`),:;!?]|\.(?:\s|$))/g)) {
    const p = (m[1] as string).replace(/^\.\//, "");
    if (!/^\d+(\.\d+)*$/.test(p)) out.add(p);
  }
  return [...out];
}
