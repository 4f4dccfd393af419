import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox } from "../../server/sandbox/createSandbox.js";
import { runProjectTests } from "../../server/sandbox/runProjectTests.js";
import { SandboxError } from "../../server/sandbox/SandboxError.js";
import type { Sandbox } from "../../server/sandbox/types.js";
import { engineStatus, makeProject, NODE_IMAGE, PROBE_ENV, quietLogger, removeAll, settingsFor, shouldRun, tempDir } from "./helpers.js";

// Docker-only behaviour on the real engine: images, bad commands, output capping, readiness.

const status = await engineStatus("docker");

describe.runIf(shouldRun("docker", status))("docker sandbox specifics (real engine)", () => {
  let sandbox: Sandbox;
  let project: string;
  let cacheDir: string;

  beforeAll(async () => {
    if (!status.ready) throw new Error(`CI needs the docker sandbox backend: ${status.detail}`);
    cacheDir = await tempDir("dhi-docker-cache-");
    project = await makeProject({ "package.json": "{}" });
    sandbox = createSandbox({ settings: settingsFor("docker"), logger: quietLogger, cacheDir });
  });
  afterAll(async () => {
    await sandbox?.dispose();
    await removeAll([cacheDir, project]);
  });

  const base = () => ({ projectDir: project, timeoutMs: 20_000, memoryMb: 256, network: false as const, env: PROBE_ENV, image: NODE_IMAGE });

  it("reports readiness with the engine and its images", async () => {
    const readiness = await sandbox.readiness();
    expect(readiness).toMatchObject({ backend: "docker", ready: true });
    expect(readiness.detail).toContain(NODE_IMAGE);
  });

  it("names a missing image and how to build it, in one line", async () => {
    const error = await sandbox.run({ ...base(), cmd: "true", image: "dhi-sandbox/nope:local" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as Error).message).toMatch(/^dhi: sandbox image "dhi-sandbox\/nope:local" is not present.*docker-up\.sh/);
  });

  it("an image missing for the project's kind is a clear error, not a pull", async () => {
    const goProject = await makeProject({ "go.mod": "module x\n" });
    try {
      await expect(runProjectTests({ projectDir: goProject, settings: settingsFor("docker"), logger: quietLogger, cacheDir })).rejects.toThrow(
        /sandbox image "dhi-sandbox\/go:local" is not present/,
      );
    } finally {
      await removeAll([goProject]);
    }
  });

  it("a command that does not exist exits 127 instead of crashing", async () => {
    const result = await sandbox.run({ ...base(), cmd: "no-such-command-here" });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toMatch(/not found/);
  });

  it("caps output to its head and tail", async () => {
    const result = await sandbox.run({ ...base(), cmd: "yes dhi | head -c 300000; echo; echo last-line", outputLimitBytes: 4096 });
    expect(result.exitCode).toBe(0);
    expect(result.truncated, JSON.stringify(result)).toBe(true);
    expect(result.stdout.length).toBeLessThan(5000);
    expect(result.stdout).toMatch(/\[… \d+ bytes cut …\]/);
    expect(result.stdout.trimEnd().endsWith("last-line"), result.stdout.trimEnd()).toBe(true);
  });

  it("sandbox.image overrides the auto-selected image", async () => {
    const pyProject = await makeProject({ "pyproject.toml": "", "t.sh": "" });
    try {
      const result = await runProjectTests({
        projectDir: pyProject,
        settings: settingsFor("docker", { image: NODE_IMAGE, testCommand: "node -e \"console.log('node-in-' + 'image')\"" }),
        logger: quietLogger,
        cacheDir,
      });
      expect(result).toMatchObject({ exitCode: 0, image: NODE_IMAGE });
      expect(result.stdout).toContain("node-in-image");
    } finally {
      await removeAll([pyProject]);
    }
  });
});
