import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "@mermaid-js/parser";
import { describe, expect, it } from "vitest";
import { ARCHITECTURE_DOC, buildArchitecture } from "../../server/agent/architecture/buildArchitecture.js";
import { toWorkspaceEdit } from "../../server/lsp/protocol/convert.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { logger } from "./helpers/agentDeps.js";

// @mermaid-js/parser has no flowchart grammar (it parses info, packet, pie, architecture, gitGraph, radar,
// treemap, …), so dhi draws modules and dependencies as `architecture-beta` diagrams, which it does parse.

describe("dhi.architecture", () => {
  it("maps this repository into Mermaid that the Mermaid parser accepts", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "dhi-arch-"));
    const result = await buildArchitecture({ root: REPO_ROOT, cacheDir, index: null, engine: null, logger });
    expect(result.stats.directories).toBeGreaterThan(5);
    expect(result.markdown).toContain("`server/agent/states`");
    for (const diagram of result.diagrams) {
      const ast = await parse("architecture", diagram);
      expect(ast.services.length).toBeGreaterThan(1);
      expect(ast.edges.length).toBeGreaterThan(0);
    }
    // The diagrams in the document are the ones that were validated.
    const blocks = [...result.markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]);
    expect(blocks).toEqual(result.diagrams);
    // agent/ never imports lsp/: the dependency diagram must not draw that edge.
    expect(result.diagrams[1]).not.toMatch(/m_server_agent:R --> L:m_server_lsp\b/);
    expect(result.diagrams[1]).toMatch(/m_server_lsp_commands:R --> L:m_server_agent\b/);

    const edit = toWorkspaceEdit(REPO_ROOT, result.changes, { verified: true, description: "d", label: "dhi agent" });
    const uris = (edit.documentChanges ?? []).map((c) => ("textDocument" in c ? c.textDocument.uri : "uri" in c ? c.uri : c.newUri));
    expect(uris.every((u) => u.endsWith(ARCHITECTURE_DOC)), JSON.stringify(uris)).toBe(true);
  });

  it("re-summarises only folders whose files changed", async () => {
    const root = mkdtempSync(join(tmpdir(), "dhi-arch-src-"));
    cpSync(join(REPO_ROOT, "server/agent"), join(root, "agent"), { recursive: true });
    const cacheDir = mkdtempSync(join(tmpdir(), "dhi-arch-cache-"));
    const first = await buildArchitecture({ root, cacheDir, index: null, engine: null, logger });
    expect(first.stats.resummarised).toBe(first.stats.directories);
    expect(first.changes[0]?.kind).toBe("create");
    const second = await buildArchitecture({ root, cacheDir, index: null, engine: null, logger });
    expect(second.stats).toMatchObject({ resummarised: 0, reused: first.stats.directories });
    writeFileSync(join(root, "agent/states/extra.ts"), "export function addedLater() {}\n");
    const third = await buildArchitecture({ root, cacheDir, index: null, engine: null, logger });
    expect(third.stats.resummarised).toBe(1);
    const row = (markdown: string) => markdown.split("\n").find((l) => l.startsWith("| `agent/states`"));
    expect(row(third.markdown)).not.toBe(row(second.markdown));
  });
});
