import { basename, dirname, extname, join, relative, sep } from "node:path";
import type { LanguageName } from "../../syntax/index.js";
import type { WorkspaceFiles } from "../workspaceFiles.js";

export type TestFramework = "vitest" | "jest" | "node:test" | "pytest" | "unittest" | "go test" | "cargo test" | "junit5" | "junit4";

export interface TestLayout {
  framework: TestFramework;
  /** Absolute path of the test file to create or extend. */
  testPath: string;
  /** Rust: tests go into a `#[cfg(test)] mod tests` in the source file itself. */
  inline: boolean;
  /** Lines a new test file starts with (package clause, imports); the model writes what follows. */
  header: string[];
  /** Java: the class the test methods go in (its closing brace is added after them). */
  wrapperClass: string | null;
  /** Up to 40 lines of an existing test in the project, so generated tests match its style. */
  example: { path: string; text: string } | null;
}

/** Languages whose test layout dhi knows; only these get `source.dhi.tests`. */
export const TEST_LANGUAGES: ReadonlySet<LanguageName> = new Set(["typescript", "tsx", "javascript", "python", "go", "rust", "java"]);

const SKIP_DIRS = new Set(["node_modules", ".git", "dist", "build", "out", "target", "vendor", ".venv", "venv", "__pycache__", ".tox", "coverage"]);
const MAX_SCANNED = 4000;

/** Test files already in the project (bounded breadth-first walk), workspace-relative with "/" separators. */
function existingTests(root: string, files: WorkspaceFiles, isTest: (name: string) => boolean): string[] {
  const found: string[] = [];
  const queue = [""];
  let scanned = 0;
  while (queue.length > 0 && scanned < MAX_SCANNED) {
    const dir = queue.shift() as string;
    for (const entry of files.list(join(root, dir))) {
      scanned++;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) queue.push(rel);
      } else if (isTest(entry.name)) found.push(rel);
    }
  }
  return found;
}

function exampleOf(root: string, files: WorkspaceFiles, tests: string[]): TestLayout["example"] {
  if (tests.length === 0) return null;
  const text = files.read(join(root, tests[0]));
  return text === null ? null : { path: tests[0], text: text.split("\n").slice(0, 40).join("\n") };
}

function toPosix(path: string): string {
  return path.split(sep).join("/");
}

/** Finds the project's test framework and where a test for `sourcePath` belongs. */
export function detectTestLayout(sourcePath: string, language: LanguageName, root: string | null, files: WorkspaceFiles, symbol: string | null, sourceText: string): TestLayout {
  const projectRoot = root ?? dirname(sourcePath);
  switch (language) {
    case "typescript":
    case "tsx":
    case "javascript":
      return jsLayout(sourcePath, projectRoot, files, symbol, sourceText);
    case "python":
      return pythonLayout(sourcePath, projectRoot, files, symbol);
    case "go":
      return goLayout(sourcePath, sourceText, projectRoot, files);
    case "rust":
      return { framework: "cargo test", testPath: sourcePath, inline: true, header: [], wrapperClass: null, example: null };
    case "java":
      return javaLayout(sourcePath, sourceText, projectRoot, files);
    default:
      throw new Error(`no known test layout for ${language}`);
  }
}

function nearestPackageJson(sourcePath: string, root: string, files: WorkspaceFiles): Record<string, unknown> | null {
  let dir = dirname(sourcePath);
  for (;;) {
    const text = files.read(join(dir, "package.json"));
    if (text !== null) {
      try {
        const value: unknown = JSON.parse(text);
        if (value && typeof value === "object") return value as Record<string, unknown>;
      } catch {
        return null;
      }
    }
    const parent = dirname(dir);
    if (parent === dir || relative(root, dir) === "" || relative(root, dir).startsWith("..")) return null;
    dir = parent;
  }
}

function dependencyNames(pkg: Record<string, unknown> | null): Set<string> {
  const names = new Set<string>();
  for (const field of ["dependencies", "devDependencies", "peerDependencies"]) {
    const deps = pkg?.[field];
    if (deps && typeof deps === "object") for (const name of Object.keys(deps)) names.add(name);
  }
  return names;
}

const TOP_TEST_DIRS = ["test", "tests", "__tests__", "spec"];
const SOURCE_DIRS = new Set(["src", "lib", "server", "app", "source"]);

function jsLayout(sourcePath: string, root: string, files: WorkspaceFiles, symbol: string | null, sourceText: string): TestLayout {
  const pkg = nearestPackageJson(sourcePath, root, files);
  const deps = dependencyNames(pkg);
  const framework: TestFramework = deps.has("vitest") ? "vitest" : deps.has("jest") || deps.has("ts-jest") ? "jest" : "node:test";
  const tests = existingTests(root, files, (n) => /\.(test|spec)\.[cm]?[jt]sx?$/.test(n));
  const ext = extname(sourcePath);
  const base = basename(sourcePath, ext);
  const suffix = tests.filter((t) => t.includes(".spec.")).length > tests.length / 2 ? "spec" : "test";
  const rel = toPosix(relative(root, sourcePath));
  // Where most existing tests live: beside their source, in __tests__ folders, or under a top-level folder.
  const votes = { beside: 0, nested: 0, top: new Map<string, number>() };
  for (const t of tests) {
    const first = t.split("/")[0];
    if (t.includes("/__tests__/")) votes.nested++;
    else if (TOP_TEST_DIRS.includes(first)) votes.top.set(first, (votes.top.get(first) ?? 0) + 1);
    else votes.beside++;
  }
  const [topDir, topCount] = [...votes.top.entries()].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
  let testPath: string;
  if (topDir && topCount >= votes.beside && topCount >= votes.nested) {
    const parts = rel.split("/");
    if (parts.length > 1 && SOURCE_DIRS.has(parts[0])) parts.shift();
    parts[parts.length - 1] = `${base}.${suffix}${ext}`;
    testPath = join(root, topDir, ...parts);
  } else if (votes.nested > votes.beside) testPath = join(dirname(sourcePath), "__tests__", `${base}.${suffix}${ext}`);
  else if (tests.length === 0 && files.exists(join(root, "test"))) testPath = join(root, "test", `${base}.${suffix}${ext}`);
  else testPath = join(dirname(sourcePath), `${base}.${suffix}${ext}`);

  // ESM packages import with the emitted `.js` suffix; CommonJS/bundlers without any suffix.
  const esm = pkg?.type === "module";
  let spec = toPosix(relative(dirname(testPath), sourcePath));
  if (!spec.startsWith(".")) spec = `./${spec}`;
  spec = esm ? spec.replace(/\.(ts|tsx|mts|js|jsx|mjs)$/, (m) => (m === ".mts" ? ".mjs" : ".js")) : spec.replace(/\.[cm]?[jt]sx?$/, "");
  const exported = symbol !== null && new RegExp(`export\\s+(default\\s+)?(async\\s+)?(function\\*?|class|const|let|var|interface|type|enum|abstract\\s+class)\\s+${symbol}\\b`).test(sourceText);
  const subjectImport = exported && symbol ? `import { ${symbol} } from "${spec}";` : `import * as subject from "${spec}";`;
  const header =
    framework === "vitest"
      ? ['import { describe, expect, it } from "vitest";', subjectImport]
      : framework === "jest"
        ? [subjectImport]
        : ['import { describe, it } from "node:test";', 'import assert from "node:assert/strict";', subjectImport];
  return { framework, testPath, inline: false, header, wrapperClass: null, example: exampleOf(root, files, tests) };
}

function pythonLayout(sourcePath: string, root: string, files: WorkspaceFiles, symbol: string | null): TestLayout {
  const tests = existingTests(root, files, (n) => /^test_.*\.py$|_test\.py$/.test(n));
  const config = ["pyproject.toml", "setup.cfg", "tox.ini", "pytest.ini", "requirements-dev.txt", "requirements.txt"].map((f) => files.read(join(root, f)) ?? "").join("\n");
  const example = exampleOf(root, files, tests);
  const usesUnittest = example !== null && /import unittest|from unittest/.test(example.text) && !/pytest/.test(config);
  const framework: TestFramework = usesUnittest ? "unittest" : "pytest";
  const module = basename(sourcePath, ".py");
  const testDir = ["tests", "test"].find((d) => files.exists(join(root, d)));
  const testPath = testDir ? join(root, testDir, `test_${module}.py`) : join(dirname(sourcePath), `test_${module}.py`);
  // Import path: the module's dotted path from the root (without a leading src/), or plain name beside it.
  let parts = toPosix(relative(root, sourcePath)).replace(/\.py$/, "").split("/");
  if (parts[0] === "src" && parts.length > 1) parts = parts.slice(1);
  if (parts[parts.length - 1] === "__init__") parts.pop();
  const dotted = testDir ? parts.join(".") : module;
  const subjectImport = symbol ? `from ${dotted} import ${symbol}` : `import ${dotted}`;
  const header = framework === "unittest" ? ["import unittest", "", subjectImport] : [subjectImport];
  return { framework, testPath, inline: false, header, wrapperClass: null, example };
}

function goLayout(sourcePath: string, sourceText: string, root: string, files: WorkspaceFiles): TestLayout {
  const pkg = /^package\s+(\w+)/m.exec(sourceText)?.[1] ?? "main";
  const testPath = join(dirname(sourcePath), `${basename(sourcePath, ".go")}_test.go`);
  const tests = existingTests(root, files, (n) => n.endsWith("_test.go"));
  return { framework: "go test", testPath, inline: false, header: [`package ${pkg}`, "", 'import "testing"'], wrapperClass: null, example: exampleOf(root, files, tests) };
}

function javaLayout(sourcePath: string, sourceText: string, root: string, files: WorkspaceFiles): TestLayout {
  const build = (files.read(join(root, "pom.xml")) ?? "") + (files.read(join(root, "build.gradle")) ?? "") + (files.read(join(root, "build.gradle.kts")) ?? "");
  const framework: TestFramework = /junit-jupiter|org\.junit\.jupiter/.test(build) || !/junit/.test(build) ? "junit5" : "junit4";
  const cls = basename(sourcePath, ".java");
  const posix = toPosix(sourcePath);
  const testPath = posix.includes("/src/main/java/") ? posix.replace("/src/main/java/", "/src/test/java/").replace(/\.java$/, "Test.java") : join(dirname(sourcePath), `${cls}Test.java`);
  const pkg = /^package\s+([\w.]+)\s*;/m.exec(sourceText)?.[1];
  const imports =
    framework === "junit5"
      ? ["import static org.junit.jupiter.api.Assertions.*;", "", "import org.junit.jupiter.api.Test;"]
      : ["import static org.junit.Assert.*;", "", "import org.junit.Test;"];
  const header = [...(pkg ? [`package ${pkg};`, ""] : []), ...imports, "", `class ${cls}Test {`];
  const tests = existingTests(root, files, (n) => /Test\.java$/.test(n));
  return { framework, testPath, inline: false, header, wrapperClass: `${cls}Test`, example: exampleOf(root, files, tests) };
}
