import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCodes } from "vscode-languageserver-protocol";
import { TestClient } from "../helpers/lspClient.js";

// Errors a caller can fix (typed: AgentRequestError, ZodError) are InvalidParams with their one-line message;
// the server, driven over stdio, keeps running.

describe("agent command errors over LSP", () => {
  const root = mkdtempSync(join(tmpdir(), "dhi-cmd-errors-"));
  writeFileSync(join(root, "a.py"), "def add(a, b):\n    return a + b\n");
  const client = new TestClient({ configuration: { index: { enabled: false }, sandbox: { backend: "none" } } });

  beforeAll(async () => {
    await client.initialize(root);
  });
  afterAll(() => client.kill());

  const execute = (command: string, argument: unknown) =>
    client.connection.sendRequest("workspace/executeCommand", { command, arguments: [argument] }).then(
      () => ({ code: 0, message: "resolved" }),
      (error: { code: number; message: string }) => ({ code: error.code, message: error.message }),
    );

  it("an unknown run id (RunNotFoundError) is InvalidParams naming the run", async () => {
    expect(await execute("dhi.agent.undo", { runId: "no-such-run" })).toEqual({ code: ErrorCodes.InvalidParams, message: 'dhi: no agent run "no-such-run" in this workspace\'s checkpoints' });
    expect(await execute("dhi.agent.resume", { runId: "no-such-run" })).toMatchObject({ code: ErrorCodes.InvalidParams, message: expect.stringContaining('no agent run "no-such-run"') });
  });

  it("malformed arguments (ZodError) are InvalidParams naming the argument", async () => {
    expect(await execute("dhi.agent.undo", { runId: "" })).toMatchObject({ code: ErrorCodes.InvalidParams, message: expect.stringMatching(/^dhi: invalid arguments: runId: /) });
  });
});
