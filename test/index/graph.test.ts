import { describe, expect, it } from "vitest";
import { useIndexedWorkspace } from "./helpers.js";

const FILES = {
  "src/util.ts": [
    `export function formatName(first: string, last: string): string {`,
    `  return \`\${first} \${last}\`.trim();`,
    `}`,
  ].join("\n"),
  "src/user.ts": [
    `import { formatName } from "./util.js";`,
    ``,
    `export class User {`,
    `  constructor(private first: string, private last: string) {}`,
    `  displayName(): string {`,
    `    return formatName(this.first, this.last);`,
    `  }`,
    `}`,
  ].join("\n"),
  "src/report.ts": [
    `import { User } from "./user";`,
    `import { formatName } from "./util.js";`,
    `export function report(users: User[]): string[] {`,
    `  // formatName in a comment is not a use`,
    `  return users.map((u) => formatName(u.displayName(), ""));`,
    `}`,
  ].join("\n"),
  "pkg/models.py": [
    `from .helpers import slugify`,
    `import os`,
    ``,
    `class Article:`,
    `    def slug(self):`,
    `        return slugify(self.title)`,
  ].join("\n"),
  "pkg/helpers.py": `def slugify(text):\n    return text.lower().replace(" ", "-")\n`,
  "pkg/scope.py": [
    `def run():`,
    `    return 1`,
    `class Job:`,
    `    def run(self):`,
    `        return 2`,
    `def main():`,
    `    run()`,
    `    def inner(job):`,
    `        return Job.run(job)`,
  ].join("\n"),
  "native/main.c": `#include "lib.h"\nint main(void) { return lib_init(); }\n`,
  "native/lib.h": `int lib_init(void);\n`,
};

describe("symbol graph", () => {
  const fx = useIndexedWorkspace(FILES);

  it("finds definitions with kind, parent and range", () => {
    expect(fx.index.definitions("formatName")).toEqual([
      { name: "formatName", kind: "function", path: "src/util.ts", startLine: 1, endLine: 3, parent: null },
    ]);
    expect(fx.index.definitions("displayName")).toEqual([
      { name: "displayName", kind: "method", path: "src/user.ts", startLine: 5, endLine: 7, parent: "User" },
    ]);
    expect(fx.index.definitions("nothingCalledThis")).toEqual([]);
  });

  it("finds references outside comments, with their enclosing symbol", () => {
    const refs = fx.index.references("formatName").map((r) => `${r.path}:${r.line}:${r.enclosingSymbol}`);
    expect(refs).toEqual([
      "src/report.ts:2:null",
      "src/report.ts:5:report",
      "src/user.ts:1:null",
      "src/user.ts:6:User.displayName",
    ]);
  });

  it("finds callers", () => {
    expect(fx.index.callers("formatName").map((s) => `${s.path}:${s.name}`)).toEqual(["src/report.ts:report", "src/user.ts:displayName"]);
    expect(fx.index.callers("slugify").map((s) => s.name)).toEqual(["slug"]);
  });

  it("resolves imports of a file to workspace paths", () => {
    expect(fx.index.importsOf("src/report.ts")).toEqual(["src/user.ts", "src/util.ts"]);
    expect(fx.index.importsOf("pkg/models.py").sort()).toEqual(["os", "pkg/helpers.py"]);
    expect(fx.index.importsOf("native/main.c")).toEqual(["native/lib.h"]);
  });

  it("links each use to a definition by scope, then by import", () => {
    const at = (name: string) => fx.index.references(name).map((r) => `${r.path}:${r.line}->${r.definition ? `${r.definition.path}:${r.definition.qualified}` : "?"}`);
    expect(at("formatName")).toContain("src/user.ts:6->src/util.ts:formatName");
    expect(at("slugify")).toContain("pkg/models.py:6->pkg/helpers.py:slugify");
    // `run` is defined twice in scope.py: the module-level use links to the module-level one, not the method.
    expect(at("run")).toEqual(["pkg/scope.py:7->pkg/scope.py:run", "pkg/scope.py:9->pkg/scope.py:Job.run"]);
  });

  it("reports stats", () => {
    const stats = fx.index.stats();
    expect(stats.files).toBe(Object.keys(FILES).length);
    expect(stats.symbols).toBeGreaterThanOrEqual(8);
    expect(stats.references).toBeGreaterThan(10);
    expect(stats.embeddings).toBe(0);
    expect(fx.index.hasEmbeddings).toBe(false);
  });
});
