import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SettingsSchema } from "../../server/config/schema.js";
import { Logger } from "../../server/util/logger.js";
import { agentDeps } from "../../server/workspace/agentDeps.js";
import { NoWorkspaceFolderError } from "../../server/workspace/errors.js";
import { Workspace } from "../../server/workspace/Workspace.js";

// The composition root without LSP: what the server builds per folder and the CLI per command.

const opened: Workspace[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.dispose()));
});

function project(): { root: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), "dhi-ws-root-"));
  writeFileSync(join(root, "limits.py"), "MAX_UPLOAD_BYTES = 10 * 1024 * 1024\n");
  return { root, env: { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-ws-cache-")) } };
}

async function open(root: string, env: NodeJS.ProcessEnv, settings: unknown): Promise<Workspace> {
  const workspace = await Workspace.withSettings(root, SettingsSchema.parse(settings), new Logger("error"), env);
  opened.push(workspace);
  return workspace;
}

describe("workspace/ composition root", () => {
  it("assembles the agent's dependencies from the workspace's own engines, the index brought up to date", async () => {
    const { root, env } = project();
    const workspace = await open(root, env, { index: { embeddingModel: "none" }, sandbox: { backend: "none" }, agent: { maxIterations: 2 } });
    const progress: string[] = [];
    const warnings: string[] = [];
    const deps = await agentDeps(workspace, { signal: new AbortController().signal, onProgress: (p) => progress.push(p.message ?? ""), warn: (m) => warnings.push(m) });
    expect(deps).toMatchObject({ root, cacheDir: workspace.cacheDir, settings: { maxIterations: 2 } });
    expect(deps.engine, "the workspace's engine, not a second one").toBe(workspace.engine);
    expect(deps.index, "the workspace's index").toBe(await workspace.index());
    expect(progress).toContain("dhi agent: updating the index");
    expect(deps.index?.stats().files, "updated before the run").toBe(1);
    expect(warnings).toEqual([]);
  });

  it("without a folder the agent and the index say so (a typed error); the index alone is then null", async () => {
    const workspace = new Workspace(null, new Logger("error"), {});
    opened.push(workspace);
    await expect(agentDeps(workspace, { signal: new AbortController().signal, warn: () => undefined })).rejects.toBeInstanceOf(NoWorkspaceFolderError);
    await expect(workspace.openIndex()).rejects.toThrow("dhi: the index needs a workspace folder; open a folder first");
    expect(await workspace.index()).toBeNull();
  });

  it("existingIndex() never creates an index; once one is built it opens it", async () => {
    const { root, env } = project();
    const reader = await open(root, env, { index: { embeddingModel: "none" } });
    expect(await reader.existingIndex()).toBeNull();
    const builder = await open(root, env, { index: { embeddingModel: "none" } });
    await (await builder.openIndex()).update();
    await builder.dispose();
    const later = await open(root, env, { index: { embeddingModel: "none" } });
    expect((await later.existingIndex())?.stats().files).toBe(1);
  });
});
