import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { folderCycles, folderOf, importsBelow, importsOf, type ImportEdge } from "./helpers/importGraph.js";
import { REPO_ROOT } from "./helpers/paths.js";

// The layering rules of ARCHITECTURE.md ("Invariants"), checked on the imports the TypeScript parser reads.
// Entry points (lsp, cli) → features → engines → ground floor; nothing imports upward or sideways.

const FEATURES = new Set(["completion", "actions", "agent"]);
const ENGINES = new Set(["inference", "index", "sandbox", "syntax"]);
const GROUND = new Set(["text", "util", "config"]);
const ENTRY = new Set(["lsp", "cli"]);
/** The composition root: builds engines and features from settings for both entry points; knows neither. */
const COMPOSITION = "workspace";
const PROTOCOL_PACKAGE = /^vscode-languageserver(-protocol|-types|-textdocument)?(\/|$)/;

/** Every broken rule, one line each (empty when the code follows them all). */
export function violations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = folderOf(e.file);
    const to = e.toFolder;
    if (PROTOCOL_PACKAGE.test(e.specifier) && from !== "lsp") {
      out.push(`${e.file}: imports ${e.typeOnly ? "types of " : ""}${e.specifier}${e.typeOnly ? "" : " at run time"} (only lsp/ may)`);
    }
    if (to === null || to === from) continue;
    const upward = `${e.file}: imports ${to}/ (${e.specifier})`;
    if (GROUND.has(from) && !GROUND.has(to)) out.push(`${upward}, but the ground floor imports only the ground floor`);
    else if (GROUND.has(from) && from !== "config" && to === "config") out.push(`${upward}, but text/ and util/ know no settings`);
    if (ENGINES.has(from) && (FEATURES.has(to) || ENTRY.has(to) || to === COMPOSITION)) out.push(`${upward}, but an engine never imports a feature, workspace/, lsp/ or cli/`);
    if (FEATURES.has(from) && (FEATURES.has(to) || ENTRY.has(to) || to === COMPOSITION)) out.push(`${upward}, but a feature never imports another feature, workspace/, lsp/ or cli/`);
    if (from === COMPOSITION && ENTRY.has(to)) out.push(`${upward}, but workspace/ never imports lsp/ or cli/`);
    if (from === "lsp" && to === "cli") out.push(`${upward}, but lsp/ never imports cli/`);
  }
  return [...out, ...folderCycles(edges).map((c) => `folder cycle: ${c}`)];
}

describe("architecture", () => {
  const edges = importsBelow(resolve(REPO_ROOT, "server"));

  it("reads the real import graph", () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(new Set(edges.map((e) => folderOf(e.file)))).toEqual(new Set([...FEATURES, ...ENGINES, ...GROUND, ...ENTRY, COMPOSITION]));
  });

  it("keeps every layering rule", () => {
    expect(violations(edges)).toEqual([]);
  });

  it("names each kind of deliberate violation", () => {
    const root = "/src";
    const fake = (file: string, source: string) => importsOf(file, source, root);
    const broken = [
      ...fake("index/store.ts", 'import { x } from "../completion/a.js";'),
      ...fake("actions/a.ts", 'import { y } from "../agent/b.js";'),
      ...fake("agent/c.ts", 'import { Range } from "vscode-languageserver";'),
      ...fake("completion/d.ts", 'import type { Range } from "vscode-languageserver-types";'),
      ...fake("lsp/e.ts", 'import { main } from "../cli/main.js";'),
      ...fake("cli/f.ts", 'import { g } from "../lsp/g.js";'),
      ...fake("util/h.ts", 'const m = await import("../index/h.js");'),
      ...fake("workspace/i.ts", 'import { j } from "../lsp/j.js";'),
      ...fake("agent/k.ts", 'import { Workspace } from "../workspace/Workspace.js";'),
    ];
    const found = violations(broken);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining("index/store.ts: imports completion/"),
        expect.stringContaining("actions/a.ts: imports agent/"),
        expect.stringContaining("agent/c.ts: imports vscode-languageserver at run time"),
        expect.stringContaining("completion/d.ts: imports types of vscode-languageserver-types"),
        expect.stringContaining("lsp/e.ts: imports cli/"),
        expect.stringContaining("util/h.ts: imports index/"),
        expect.stringContaining("workspace/i.ts: imports lsp/"),
        expect.stringContaining("agent/k.ts: imports workspace/"),
        "folder cycle: lsp → cli → lsp",
      ]),
    );
    // Even the protocol's types stay in lsp/ (features hand up plain FileChanges); imports inside one folder are fine.
    expect(violations(fake("agent/toRunResult.ts", 'import type { WorkspaceEdit } from "vscode-languageserver-protocol";'))).toEqual([
      "agent/toRunResult.ts: imports types of vscode-languageserver-protocol (only lsp/ may)",
    ]);
    expect(violations(fake("lsp/protocol/convert.ts", 'import type { WorkspaceEdit } from "vscode-languageserver/node";'))).toEqual([]);
    expect(violations(fake("agent/x.ts", 'import { y } from "./y.js";'))).toEqual([]);
  });
});
