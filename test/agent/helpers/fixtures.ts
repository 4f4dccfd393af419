import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Writes files into a fresh temp folder and returns its path. */
export function makeProject(files: Record<string, string>, prefix = "dhi-agent-"): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** A node project whose `node --test` fails: two bugs in two files. */
export const TWO_BUG_PROJECT: Record<string, string> = {
  "package.json": JSON.stringify({ name: "fixture", version: "1.0.0", type: "module", scripts: { test: "node --test" } }, null, 2) + "\n",
  "src/math.js": "export function add(a, b) {\n  return a - b;\n}\n\nexport function mul(a, b) {\n  return a * b;\n}\n",
  "src/format.js": 'import { add } from "./math.js";\n\nexport function formatSum(a, b) {\n  return "sum=" + add(a, b);\n}\n',
  "test/math.test.js":
    'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { add, mul } from "../src/math.js";\nimport { formatSum } from "../src/format.js";\n\n' +
    'test("add", () => assert.equal(add(2, 3), 5));\ntest("mul", () => assert.equal(mul(2, 3), 6));\ntest("formatSum", () => assert.equal(formatSum(1, 2), "sum: 3"));\n',
};

/** A node project with one bug in one function and a failing test. */
export const ONE_BUG_PROJECT: Record<string, string> = {
  "package.json": TWO_BUG_PROJECT["package.json"] as string,
  "src/math.js": TWO_BUG_PROJECT["src/math.js"] as string,
  "test/math.test.js":
    'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { add, mul } from "../src/math.js";\n\n' +
    'test("add", () => assert.equal(add(2, 3), 5));\ntest("mul", () => assert.equal(mul(2, 3), 6));\n',
};

export const FIXED_ADD = "export function add(a, b) {\n  return a + b;\n}";
export const FIXED_FORMAT = 'export function formatSum(a, b) {\n  return "sum: " + add(a, b);\n}';
