import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { WorkspaceEdit } from "vscode-languageserver-protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTrail } from "../../server/agent/runAgent.js";
import type { AgentRunResult } from "../../server/lsp/agentRunResult.js";
import { workspaceCacheDir } from "../../server/util/paths.js";
import { fileUri, TestClient } from "../helpers/lspClient.js";
import { CLI, EMBED_MODEL, FIM_MODEL } from "../helpers/paths.js";
import { probeSandbox } from "./helpers/agentDeps.js";
import { makeProject, ONE_BUG_PROJECT } from "./helpers/fixtures.js";

// The real server over stdio, the shared tiny model, the real index and the real Docker sandbox.
// The tiny model cannot fix the bug; these tests check that the run ends within its limits, reports
// what verification really showed, and leaves a complete checkpoint trail.

const probe = await probeSandbox();
if (!probe.sandbox && process.env.CI) throw new Error(`the sandbox is required in CI: ${probe.reason}`);
await probe.sandbox?.dispose();
const describeWithSandbox = describe.skipIf(!probe.sandbox);

const SETTINGS = { model: { threads: 1 }, agent: { maxIterations: 2, candidates: 1 } };
const INSTRUCTION = "fix the bug in add so the tests pass";

/** The contract's result shape, checked field by field. */
function expectWellFormed(result: AgentRunResult): void {
  expect(typeof result.runId).toBe("string");
  expect(result.edit.documentChanges).toBeInstanceOf(Array);
  expect(typeof result.summary).toBe("string");
  expect(typeof result.verified.parsed).toBe("boolean");
  expect(result.verified.tests).toEqual({ ran: expect.any(Boolean), passed: expect.any(Number), failed: expect.any(Number), output: expect.any(String) });
  expect(result.iterations).toBeGreaterThanOrEqual(0);
  expect(result.iterations).toBeLessThanOrEqual(SETTINGS.agent.maxIterations);
}

/** Honesty: "ok" only with passing tests; otherwise the summary and annotations say it is not verified. */
function expectHonest(result: AgentRunResult): void {
  if (result.ok) {
    expect(result.verified.parsed, JSON.stringify(result.verified)).toBe(true);
    expect(result.verified.tests).toMatchObject({ ran: true, failed: 0 });
    expect(result.verified.tests.passed).toBeGreaterThanOrEqual(2);
  } else {
    expect(result.summary).toMatch(/UNVERIFIED|no change was produced/);
    for (const a of Object.values(result.edit.changeAnnotations ?? {})) expect(a.label).toMatch(/UNVERIFIED/);
    if (result.verified.tests.ran) expect(result.verified.tests.failed).toBeGreaterThan(0);
  }
}

describeWithSandbox("agent end to end (real server, tiny model, Docker sandbox)", () => {
  const root = makeProject(ONE_BUG_PROJECT);
  const cacheDir = mkdtempSync(join(tmpdir(), "dhi-e2e-cache-"));
  const env = { DHI_MODEL: FIM_MODEL, DHI_EMBED_MODEL: EMBED_MODEL, DHI_CACHE_DIR: cacheDir };
  let client: TestClient;

  beforeAll(async () => {
    client = new TestClient({ env, configuration: SETTINGS });
    await client.initialize(root);
  });
  afterAll(async () => {
    await client.shutdown();
  });

  it("dhi.agent.run terminates with a well-formed, honest result and a full checkpoint trail", { timeout: 150_000 }, async () => {
    const started = Date.now();
    const result = await client.connection.sendRequest<AgentRunResult>("workspace/executeCommand", {
      command: "dhi.agent.run",
      arguments: [{ instruction: INSTRUCTION, uris: [fileUri(join(root, "src/math.js"))] }],
    });
    expect(Date.now() - started).toBeLessThan(150_000);
    expectWellFormed(result);
    expectHonest(result);
    // The user's files are untouched: verification ran on an overlay, and apply was not asked for.
    expect(readFileSync(join(root, "src/math.js"), "utf8")).toBe(ONE_BUG_PROJECT["src/math.js"]);

    const trail = runTrail(workspaceCacheDir(root, { DHI_CACHE_DIR: cacheDir }), result.runId).map((t) => t.toState);
    expect(trail.slice(0, 3)).toEqual(["UNDERSTAND", "LOCATE", "PLAN"]);
    expect(trail.slice(-2)).toEqual(["COMPLETE", "DONE"]);
    expect(trail.filter((s) => s === "GENERATE").length).toBeLessThanOrEqual(SETTINGS.agent.maxIterations);
    expect(trail.filter((s) => s === "VERIFY").length).toBe(trail.filter((s) => s === "GENERATE").length);
    expect(result.iterations).toBe(trail.filter((s) => s === "VERIFY").length);
    // $/progress reported every state it went through.
    const messages = JSON.stringify(client.progress);
    for (const state of new Set(trail.filter((s) => s !== "DONE"))) expect(messages).toContain(`dhi agent: ${state}`);

    // Resume of a finished run returns the same result; undo of an unapplied run is refused by name.
    const again = await client.connection.sendRequest<AgentRunResult>("workspace/executeCommand", { command: "dhi.agent.resume", arguments: [{ runId: result.runId }] });
    expect(again.runId).toBe(result.runId);
    expect(again.summary).toBe(result.summary);
    if (result.edit.documentChanges?.length) {
      await expect(client.connection.sendRequest("workspace/executeCommand", { command: "dhi.agent.undo", arguments: [{ runId: result.runId }] })).rejects.toThrow(/cannot undo/);
    }
    await expect(client.connection.sendRequest("workspace/executeCommand", { command: "dhi.agent.undo", arguments: [{ runId: "no-such-run" }] })).rejects.toThrow(/no agent run "no-such-run"/);
  });

  it("dhi.architecture returns a WorkspaceEdit creating docs/ARCHITECTURE.dhi.md", async () => {
    const edit = await client.connection.sendRequest<WorkspaceEdit>("workspace/executeCommand", { command: "dhi.architecture", arguments: [] });
    const create = edit.documentChanges?.find((c) => "kind" in c && c.kind === "create");
    expect(create && "uri" in create ? create.uri : "").toBe(fileUri(join(root, "docs/ARCHITECTURE.dhi.md")));
    expect(JSON.stringify(edit)).toContain("architecture-beta");
  });
});

describeWithSandbox("dhi agent CLI", () => {
  it("prints the run result with --json and changes nothing without --apply", { timeout: 150_000 }, async () => {
    const root = makeProject({ ...ONE_BUG_PROJECT, ".dhi.json": JSON.stringify(SETTINGS) });
    const cacheDir = mkdtempSync(join(tmpdir(), "dhi-cli-cache-"));
    const run = promisify(execFile);
    const out = await run(process.execPath, [CLI, "agent", INSTRUCTION, "--dir", root, "--json"], {
      env: { ...process.env, DHI_MODEL: FIM_MODEL, DHI_EMBED_MODEL: EMBED_MODEL, DHI_CACHE_DIR: cacheDir },
      timeout: 150_000,
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    const result = JSON.parse(out.stdout) as AgentRunResult;
    expectWellFormed(result);
    expectHonest(result);
    expect("code" in out ? out.code : 0).toBe(result.ok ? 0 : 1);
    expect(readFileSync(join(root, "src/math.js"), "utf8")).toBe(ONE_BUG_PROJECT["src/math.js"]);
  });

  it("rejects a missing instruction with exit code 2", async () => {
    const run = promisify(execFile);
    const error = (await run(process.execPath, [CLI, "agent"]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toMatch(/INSTRUCTION/);
  });
});
