import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectTestLayout } from "../../server/actions/language/testLayout.js";
import { diskFiles } from "../../server/actions/workspaceFiles.js";

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "dhi-layout-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

describe("test layout detection", () => {
  it("vitest with a top-level test/ folder mirrors the source path and imports with .js in ESM packages", () => {
    const root = project({
      "package.json": JSON.stringify({ type: "module", devDependencies: { vitest: "^4" } }),
      "src/util/math.ts": "export function add(a: number, b: number) { return a + b; }\n",
      "test/other/thing.test.ts": 'import { it } from "vitest";\n',
    });
    const src = join(root, "src/util/math.ts");
    const layout = detectTestLayout(src, "typescript", root, diskFiles(root), "add", "export function add() {}\n");
    expect(layout.framework).toBe("vitest");
    expect(layout.testPath).toBe(join(root, "test/util/math.test.ts"));
    expect(layout.header).toEqual(['import { describe, expect, it } from "vitest";', 'import { add } from "../../src/util/math.js";']);
    expect(layout.example?.path).toBe("test/other/thing.test.ts");
  });

  it("jest beside the source, CommonJS imports without extension", () => {
    const root = project({ "package.json": JSON.stringify({ devDependencies: { jest: "^29" } }), "lib/a.js": "", "lib/b.test.js": "" });
    const layout = detectTestLayout(join(root, "lib/a.js"), "javascript", root, diskFiles(root), "f", "function f() {}\n");
    expect(layout).toMatchObject({ framework: "jest", testPath: join(root, "lib/a.test.js"), header: ['import * as subject from "./a";'] });
  });

  it("pytest into tests/, go test beside the file, cargo inline, JUnit under src/test/java", () => {
    const py = project({ "pkg/mod.py": "", "tests/test_other.py": "def test_x():\n    pass\n", "pyproject.toml": "[tool.pytest]\n" });
    expect(detectTestLayout(join(py, "pkg/mod.py"), "python", py, diskFiles(py), "f", "")).toMatchObject({
      framework: "pytest",
      testPath: join(py, "tests/test_mod.py"),
      header: ["from pkg.mod import f"],
    });
    const go = project({ "m/x.go": "package m\n" });
    expect(detectTestLayout(join(go, "m/x.go"), "go", go, diskFiles(go), "F", "package m\n")).toMatchObject({
      framework: "go test",
      testPath: join(go, "m/x_test.go"),
      header: ["package m", "", 'import "testing"'],
    });
    expect(detectTestLayout("/r/src/lib.rs", "rust", "/r", diskFiles("/r"), "f", "")).toMatchObject({ framework: "cargo test", inline: true, testPath: "/r/src/lib.rs" });
    const java = project({ "pom.xml": "<artifactId>junit-jupiter</artifactId>", "src/main/java/app/Util.java": "package app;\n" });
    const layout = detectTestLayout(join(java, "src/main/java/app/Util.java"), "java", java, diskFiles(java), "twice", "package app;\n");
    expect(layout).toMatchObject({ framework: "junit5", testPath: join(java, "src/test/java/app/UtilTest.java"), wrapperClass: "UtilTest" });
    expect(layout.header[0]).toBe("package app;");
  });

  it("never reads a test file through a link that leads outside, and refuses to write a test there", () => {
    const outside = project({ "secret.test.ts": "const TOKEN = 'outside-secret';\n" });
    const root = project({ "package.json": JSON.stringify({ devDependencies: { vitest: "^4" } }), "src/a.ts": "export const a = 1;\n" });
    symlinkSync(outside, join(root, "test"));
    symlinkSync(join(outside, "secret.test.ts"), join(root, "src", "b.test.ts"));
    const files = diskFiles(root);
    const layout = detectTestLayout(join(root, "src/a.ts"), "typescript", root, files, "a", "export const a = 1;\n");
    expect(layout.example).toBeNull();
    expect(files.read(join(root, "src/b.test.ts"))).toBeNull();
    expect(files.unsafeWrite(join(root, "test/a.test.ts"))).toMatch(/outside the workspace/);
    expect(files.unsafeWrite(join(root, "src/new.test.ts"))).toBeNull();
  });
});
