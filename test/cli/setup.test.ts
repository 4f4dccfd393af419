import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cacheFileName, DEFAULT_DRAFT_MODEL_URI, DEFAULT_MODEL_URI } from "../../server/inference/defaultModels.js";
import { startModelHost, type ModelHost } from "../helpers/modelHost.js";
import { CLI } from "../helpers/paths.js";

// `dhi setup` for real up to the network: a local stand-in for the model host serves the tiny models under
// the default models' URLs. Pull with progress, the draft measurement, doctor afterwards, a second run that
// does nothing, Ctrl-C half-way, and an unreachable host.

const TARGET = cacheFileName(DEFAULT_MODEL_URI);
const DRAFT = cacheFileName(DEFAULT_DRAFT_MODEL_URI);

let host: ModelHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
});

function env(cacheDir: string, endpoint: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", DHI_CACHE_DIR: cacheDir, HF_ENDPOINT: endpoint, DHI_SANDBOX: "none" };
}

function dhi(args: string[], environment: NodeJS.ProcessEnv, cwd: string) {
  // Async spawn: the model host answers from this process's event loop.
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: environment });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("dhi setup", () => {
  it("pulls the default models with progress, measures the draft, and doctor then says ✓; a second run does nothing", async () => {
    host = await startModelHost();
    const cacheDir = mkdtempSync(join(tmpdir(), "dhi-setup-"));
    const project = mkdtempSync(join(tmpdir(), "dhi-setup-project-"));
    const first = await dhi(["setup", "--no-build-llama", "--no-embedding"], env(cacheDir, host.url), project);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(new RegExp(`${TARGET.replace(/\./g, "\\.")} \\[#+\\] 100\\.0%`));
    expect(readdirSync(join(cacheDir, "models")).sort()).toEqual(["draft-measurement.json", "flash-attention.json", DRAFT, TARGET].sort());
    const measured = JSON.parse(readFileSync(join(cacheDir, "models", "draft-measurement.json"), "utf8")) as { faster: boolean; targetTokensPerSecond: number };
    expect(measured.targetTokensPerSecond).toBeGreaterThan(0);
    // --no-build-llama: the hint, or (where this clone was built with `npm run build:llama`) that it is done.
    expect(first.stderr).toMatch(/`dhi setup --build-llama` compiles llama\.cpp|llama\.cpp is already built for this machine/);

    const doctor = spawnSync(process.execPath, [CLI, "doctor", "--json"], { cwd: project, env: env(cacheDir, host.url), encoding: "utf8" });
    const report = JSON.parse(doctor.stdout) as { checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(report.checks.find((c) => c.name === "model")).toMatchObject({ ok: true, detail: `${join(cacheDir, "models", TARGET)} (from pulled default)` });
    const draft = report.checks.find((c) => c.name === "draftModel");
    expect(draft?.detail).toMatch(measured.faster ? /measured faster here/ : /off: measured slower on this CPU/);
    // The last step measured flash attention for the pulled model; doctor says what "auto" comes to.
    expect(report.checks.find((c) => c.name === "llamaCpp")?.detail).toMatch(/flash attention (on|off) \(measured here: \d+ ms on, \d+ ms off\)/);
    // And prompt-lookup drafting in completions, which "auto" follows too.
    expect(report.checks.find((c) => c.name === "llamaCpp")?.detail).toMatch(/prompt lookup in completions (on|off) \(measured here: \d+ ms on, \d+ ms off\)/);
    expect(doctor.status).toBe(0);

    // Every CLI command resolves the model the same way: `dhi complete` needs no setting either.
    writeFileSync(join(project, "point.py"), "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        \n");
    const completion = await dhi(["complete", "point.py:4:9", "--json"], env(cacheDir, host.url), project);
    expect(completion.code, completion.stderr).toBe(0);
    expect(JSON.parse(completion.stdout)).toHaveProperty("text");

    const downloads = host.downloads.length;
    const second = await dhi(["setup", "--no-build-llama", "--no-embedding"], env(cacheDir, host.url), project);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`${TARGET} is already in`);
    expect(second.stderr).toContain("already measured: draft");
    expect(second.stderr).toMatch(/already measured: flash attention (on|off) .*, prompt lookup in completions (on|off)/);
    expect(host.downloads.length).toBe(downloads);
  });

  it("Ctrl-C during the download leaves no model file, finished-looking or partial", async () => {
    host = await startModelHost({ slow: true });
    const cacheDir = mkdtempSync(join(tmpdir(), "dhi-setup-"));
    const child = spawn(process.execPath, [CLI, "setup", "--no-build-llama", "--no-embedding"], { cwd: cacheDir, env: env(cacheDir, host.url) });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const started = Date.now();
    // Past 16 MB the downloader has written part of the file to disk.
    while (host.sentBytes() < 24 * 1024 * 1024 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
    expect(host.sentBytes()).toBeGreaterThan(16 * 1024 * 1024);
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(code, stderr).toBe(130);
    expect(stderr).toContain("interrupted; nothing was kept");
    const models = join(cacheDir, "models");
    expect(existsSync(models) ? readdirSync(models) : []).toEqual([]);
  });

  it("an unreachable model host: the other steps still run, then exit 1 saying what to do", async () => {
    host = await startModelHost();
    const endpoint = host.url;
    await host.close();
    host = null;
    const cacheDir = mkdtempSync(join(tmpdir(), "dhi-setup-"));
    const result = await dhi(["setup", "--no-build-llama", "--no-embedding"], env(cacheDir, endpoint), cacheDir);
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^dhi: cannot download hf:ggml-org\/Qwen2\.5-Coder-1\.5B.* unreachable \(offline\? ECONNREFUSED\)\. .*"model\.path" or DHI_MODEL/));
    // The build step needs no model: an offline user still reaches it.
    expect(lines).toContain("dhi setup: 4/5 llama.cpp for this CPU");
    expect(lines.at(-1)).toMatch(/^dhi setup: not finished: the default models could not be downloaded \(see above\)\. Run `dhi setup` again/);
  });
});
