import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { engineStatus, shouldRun, type EngineStatus } from "../sandbox/helpers.js";
import { TestClient } from "../helpers/lspClient.js";

const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.kill();
});

function nodeProject(testBody: string): string {
  const dir = mkdtempSync(join(tmpdir(), "dhi-tests-run-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "p", version: "1.0.0", scripts: { test: "node --test" } }));
  writeFileSync(join(dir, "math.test.js"), `const test = require("node:test");\nconst assert = require("node:assert");\n${testBody}\n`);
  return dir;
}

let docker: EngineStatus = { ready: false, detail: "not probed" };
beforeAll(async () => {
  docker = await engineStatus("docker");
});

describe("dhi.tests.run over LSP", () => {
  it("runs the project's tests in the Docker sandbox and reports the outcome", async (context) => {
    if (!shouldRun("dhi.tests.run", docker)) return context.skip();
    if (!docker.ready) throw new Error(docker.detail);
    const root = nodeProject('test("adds", () => assert.strictEqual(1 + 1, 2));');
    const c = new TestClient({ env: { DHI_SANDBOX: "docker" } });
    clients.push(c);
    await c.initialize(root);
    const passed = await c.connection.sendRequest<{ backend: string; exitCode: number; timedOut: boolean; durationMs: number; stdout: string; stderr: string }>(
      "workspace/executeCommand",
      { command: "dhi.tests.run", arguments: [{}] },
    );
    expect(passed).toMatchObject({ backend: "docker", exitCode: 0, timedOut: false });
    expect(passed.stdout).toContain("pass 1");
    expect(c.progressTokens.length).toBeGreaterThan(0);

    const failed = await c.connection.sendRequest<{ exitCode: number; stdout: string }>("workspace/executeCommand", {
      command: "dhi.tests.run",
      arguments: [{ testCommand: "node -e \"process.exit(3)\"" }],
    });
    expect(failed.exitCode).toBe(3);
    expect(await c.shutdown()).toBe(0);
  });

  it("answers a clear error, not a crash, when the sandbox refuses", async () => {
    const root = nodeProject('test("x", () => {});');
    const c = new TestClient({ env: { DHI_SANDBOX: "none" } });
    clients.push(c);
    await c.initialize(root);
    const error = await c.connection.sendRequest("workspace/executeCommand", { command: "dhi.tests.run", arguments: [] }).then(
      () => null,
      (e: { message: string }) => e,
    );
    expect(error?.message).toMatch(/^dhi: /);
    expect(error?.message).toContain("none");
    const bad = await c.connection.sendRequest("workspace/executeCommand", { command: "dhi.tests.run", arguments: [{ testCommand: 42 }] }).then(
      () => null,
      (e: { message: string }) => e,
    );
    expect(bad?.message).toContain("testCommand");
    expect(await c.shutdown()).toBe(0);
  });
});
