import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../server/cli/args.js";
import { run } from "../../server/cli/commands/test.js";
import { main } from "../../server/cli/main.js";
import { engineStatus, makeProject, removeAll, shouldRun, tempDir, type EngineStatus } from "./helpers.js";

// `dhi test` end to end on a sample project, on whichever real backend is here (docker first).

const docker = await engineStatus("docker");
const bwrap: EngineStatus = docker.ready ? docker : await engineStatus("bwrap");
const backend = docker.ready ? "docker" : "bwrap";

function captureIO(env: NodeJS.ProcessEnv, cwd: string): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    env,
    cwd,
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}

describe.runIf(shouldRun(`${backend} (dhi test)`, bwrap))("dhi test", () => {
  let cacheRoot: string;
  let passing: string;
  let failing: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!bwrap.ready) throw new Error(`CI needs a sandbox backend for dhi test: ${bwrap.detail}`);
    cacheRoot = await tempDir("dhi-cli-cache-");
    passing = await makeProject({
      "package.json": JSON.stringify({ name: "p", version: "1.0.0", scripts: { test: "node t.js" } }),
      "t.js": 'console.log("sample-suite fine");\n',
    });
    failing = await makeProject({
      "package.json": JSON.stringify({ name: "f", version: "1.0.0", scripts: { test: "node t.js" } }),
      "t.js": 'console.error("sample-suite broken"); process.exit(3);\n',
    });
    env = { ...process.env, DHI_CACHE_DIR: cacheRoot, DHI_SANDBOX: backend, DHI_LOG_LEVEL: "error" };
  });
  afterAll(() => removeAll([cacheRoot, passing, failing]));

  it("exits 0 and prints the output when the tests pass", async () => {
    const io = captureIO(env, passing);
    expect(await run([], io)).toBe(0);
    expect(io.out).toContain("sample-suite fine");
    expect(io.out).toMatch(/dhi test: Tests passed in [\d.]+ s \(`npm test`/);
  });

  it("exits 1 with --json describing the failure", async () => {
    const io = captureIO(env, "/");
    expect(await run(["--dir", failing, "--json"], io)).toBe(1);
    const result = JSON.parse(io.out) as { passed: boolean; backend: string; exitCode: number; stderr: string; timedOut: boolean };
    expect(result).toMatchObject({ passed: false, backend, timedOut: false });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("sample-suite broken");
  });

  it("exits 2 for bad usage or configuration", async () => {
    expect(await main(["test", "--dir", "/nonexistent/dhi"], captureIO(env, "/"))).toBe(2);
    expect(await main(["test", "--bogus"], captureIO(env, "/"))).toBe(2);
    const badConfig = await makeProject({ "package.json": "{}", ".dhi.json": JSON.stringify({ sandbox: { timeoutMs: "soon" } }) });
    try {
      // sandbox.* is restricted: the bad value is read only once the user trusted the file.
      expect(await main(["trust"], captureIO(env, badConfig))).toBe(0);
      const io = captureIO(env, badConfig);
      expect(await main(["test"], io)).toBe(2);
      expect(io.err).toContain("sandbox.timeoutMs");
    } finally {
      await removeAll([badConfig]);
    }
  });

  it("exits 1 with one line when the backend is none", async () => {
    const io = captureIO({ ...env, DHI_SANDBOX: "none" }, passing);
    expect(await run([], io)).toBe(1);
    expect(io.err.trim().split("\n")).toHaveLength(1);
    expect(io.err).toContain('sandbox.backend is "none"');
  });
});
