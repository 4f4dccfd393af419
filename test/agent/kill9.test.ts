import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointStore } from "../../server/agent/checkpoints/CheckpointStore.js";
import { runTrail } from "../../server/agent/runAgent.js";
import type { AgentRunResult } from "../../server/lsp/agentRunResult.js";
import { workspaceCacheDir } from "../../server/util/paths.js";
import { fileUri, TestClient } from "../helpers/lspClient.js";
import { FIM_MODEL } from "../helpers/paths.js";
import { makeProject, ONE_BUG_PROJECT } from "./helpers/fixtures.js";
import { seeded } from "../helpers/seeded.js";

// kill -9 of the real server during an agent run (tiny real model), at states picked by a seeded random
// generator; a restarted server reports the run as interrupted, and dhi.agent.resume finishes it.

const SETTINGS = { model: { threads: 1, contextSize: 2048 }, sandbox: { backend: "none" }, index: { enabled: false }, agent: { maxIterations: 1, candidates: 1 } };
const STATES = ["UNDERSTAND", "LOCATE", "PLAN", "GENERATE"] as const;

const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.kill();
});

function latestRun(cacheDir: string): { runId: string; state: string } | undefined {
  const store = CheckpointStore.open(cacheDir);
  try {
    return store.recentRuns(1)[0];
  } finally {
    store.close();
  }
}

describe("kill -9 during an agent run, then a restart", () => {
  const random = seeded(Number(process.env.DHI_KILL_SEED ?? 918));
  const picks = [STATES[Math.floor(random() * STATES.length)], STATES[Math.floor(random() * STATES.length)]];

  it.each(picks.map((state, i) => [i, state]))("kill %i at %s: the run reports itself as interrupted and resumes to the end", { timeout: 180_000 }, async (_i, state) => {
    const root = makeProject(ONE_BUG_PROJECT);
    const cacheDir = mkdtempSync(join(tmpdir(), "dhi-kill-cache-"));
    const env = { DHI_MODEL: FIM_MODEL, DHI_CACHE_DIR: cacheDir };
    const first = new TestClient({ env, configuration: SETTINGS });
    clients.push(first);
    await first.initialize(root);
    const instruction = "fix the bug in add so the tests pass";
    void first.connection.sendRequest("workspace/executeCommand", { command: "dhi.agent.run", arguments: [{ instruction, uris: [fileUri(join(root, "src/math.js"))] }] }).catch(() => undefined);
    await first.waitFor(() => JSON.stringify(first.progress).includes(`dhi agent: ${state}`), `the run to reach ${state}`, 120_000);
    first.kill();
    await first.exited;

    const workspaceCache = workspaceCacheDir(root, { DHI_CACHE_DIR: cacheDir });
    const left = latestRun(workspaceCache);
    expect(left?.state).toBe(state);
    const runId = left?.runId as string;

    const second = new TestClient({ env, configuration: SETTINGS });
    clients.push(second);
    await second.initialize(root);
    await second.waitFor(() => second.shownMessages.some((m) => m.message.includes(runId)), "the interrupted-run message");
    const message = second.shownMessages.find((m) => m.message.includes(runId))?.message;
    expect(message).toBe(`dhi: agent run ${runId} ("${instruction}") was interrupted at ${state} when its server stopped; resume it with dhi.agent.resume {"runId":"${runId}"}`);

    const result = await second.connection.sendRequest<AgentRunResult>("workspace/executeCommand", { command: "dhi.agent.resume", arguments: [{ runId }] });
    expect(result.runId).toBe(runId);
    expect(typeof result.summary).toBe("string");
    expect(result.summary).toContain(`resumed at ${state}`);
    const trail = runTrail(workspaceCache, runId).map((t) => t.toState);
    expect(trail.slice(-2)).toEqual(["COMPLETE", "DONE"]);
    expect(trail).toContain("FAILED"); // the interruption is on record
    expect(await second.shutdown()).toBe(0);
  });
});
