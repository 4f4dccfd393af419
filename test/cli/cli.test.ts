import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, EMBED_MODEL, FIM_MODEL, REPO_ROOT } from "../helpers/paths.js";

function dhi(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT) {
  const cacheDir = mkdtempSync(join(tmpdir(), "dhi-cli-cache-"));
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", DHI_CACHE_DIR: cacheDir, DHI_SANDBOX: "none", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("dhi CLI", () => {
  it("prints its version and help", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    expect(dhi(["--version"])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = dhi(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["complete", "index", "search", "agent", "test", "models pull", "doctor", "--stdio"]) expect(help.stdout).toContain(command);
  });

  it("exits 2 with one line for an unknown command or flag", () => {
    const unknown = dhi(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    expect(unknown.stderr).toContain("frobnicate");
    const badFlag = dhi(["doctor", "--bogus"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("--bogus");
  });

  it("doctor fails without a model and says how to fix it", () => {
    const dir = mkdtempSync(join(tmpdir(), "dhi-doctor-"));
    const result = dhi(["doctor", "--json"], {}, dir);
    expect(result.code).not.toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(report.ok).toBe(false);
    const model = report.checks.find((c) => c.name === "model");
    expect(model?.ok).toBe(false);
    expect(model?.detail).toContain("DHI_MODEL");
    expect(report.checks.map((c) => c.name)).toEqual(["model", "draftModel", "embeddingModel", "grammars", "index", "sandbox"]);
    expect(report.checks.find((c) => c.name === "grammars")?.ok).toBe(true);
  });

  it("doctor passes its required checks with the shared model", () => {
    const dir = mkdtempSync(join(tmpdir(), "dhi-doctor-"));
    const result = dhi(["doctor"], { DHI_MODEL: FIM_MODEL, DHI_EMBED_MODEL: EMBED_MODEL }, dir);
    expect(result.stdout).toContain(`✓ model: ${FIM_MODEL}`);
    expect(result.stdout).toContain("✓ embeddingModel: embedding model dhi-embed-tiny");
    expect(result.code).toBe(0);
    const withoutEmbeddings = dhi(["doctor", "--json"], { DHI_MODEL: FIM_MODEL }, dir);
    const report = JSON.parse(withoutEmbeddings.stdout) as { checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(report.checks.find((c) => c.name === "embeddingModel")).toMatchObject({ ok: false, detail: expect.stringContaining("search works without vectors") });
  });
});
