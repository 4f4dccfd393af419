import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../server/cli/args.js";
import { installIntoCache, runUntilExit } from "../../server/cli/installEmbeddingRuntime.js";
import { defaultSettings } from "../../server/config/schema.js";
import { Embedder } from "../../server/index/Embedder.js";
import { embeddingReadiness } from "../../server/index/embeddingReadiness.js";
import { EMBEDDING_RUNTIME, embeddingRuntimeDir, installedEmbeddingRuntime } from "../../server/index/embeddingRuntime.js";
import { EMBED_MODEL, REPO_ROOT } from "../helpers/paths.js";

// The embedding runtime is not a dependency of the package (its onnxruntime-node would download CUDA libraries
// at install time, and a global install cannot turn that off): `dhi setup` installs it into the cache with npm,
// from the npm registry, with no install script. This is that install, for real, and an embedding through it.

function io(env: NodeJS.ProcessEnv): CliIO & { err: string[] } {
  const err: string[] = [];
  return { stdout: () => undefined, stderr: (t) => void err.push(t), env, cwd: process.cwd(), err };
}

describe("the embedding runtime `dhi setup` installs", () => {
  it("is the version the clone's package.json develops with", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string>; dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
    expect(pkg.devDependencies[EMBEDDING_RUNTIME.name]).toBe(EMBEDDING_RUNTIME.version);
    // A dependency of the package would bring onnxruntime-node's install script into every global install.
    expect(pkg.dependencies[EMBEDDING_RUNTIME.name]).toBeUndefined();
    expect(pkg.optionalDependencies?.[EMBEDDING_RUNTIME.name]).toBeUndefined();
  });

  it("installs into the cache from the npm registry with no install script, and embeds through it", async () => {
    const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-runtime-")), DHI_EMBED_MODEL: EMBED_MODEL };
    expect(installedEmbeddingRuntime(env)).toBeNull();
    const cli = io(env);
    const entry = await installIntoCache(cli);
    expect(entry, cli.err.join("")).not.toBeNull();
    if (!entry) return;
    expect(entry.startsWith(embeddingRuntimeDir(env)), entry).toBe(true);
    expect(entry.startsWith(REPO_ROOT), entry).toBe(false);
    // No partial folder is left beside it.
    expect(readdirSync(dirname(embeddingRuntimeDir(env)))).toEqual([EMBEDDING_RUNTIME.version]);
    const ortBin = join(embeddingRuntimeDir(env), "node_modules", "onnxruntime-node", "bin", "napi-v6", "linux", "x64");
    if (process.platform === "linux" && process.arch === "x64") {
      // The CPU runtime is in the package; the CUDA provider only comes from its (skipped) script.
      expect(existsSync(join(ortBin, "onnxruntime_binding.node")), ortBin).toBe(true);
      expect(existsSync(join(ortBin, "libonnxruntime_providers_cuda.so"))).toBe(false);
    }
    const readiness = embeddingReadiness(defaultSettings(), env);
    if (!readiness.ready) throw new Error(readiness.reason);
    const embedder = await Embedder.start(readiness.model, { threads: 1, runtimePath: entry });
    try {
      const [vector] = await embedder.embed(["def parse_settings(path): ..."]);
      expect(vector?.length).toBe(embedder.dims);
    } finally {
      await embedder.dispose();
    }
  }, 240_000);

  it("Ctrl-C during the install leaves neither a runtime nor a partial folder", async () => {
    const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-runtime-")) };
    const controller = new AbortController();
    const cli = io(env);
    const install = installIntoCache(cli, controller.signal);
    // npm is running by now (it takes tens of seconds); abort as SIGINT does in `dhi setup`.
    setTimeout(() => controller.abort(), 1500);
    expect(await install).toBeNull();
    // npm has exited before the partial folder is removed: removing it under a still-writing npm failed with ENOTEMPTY.
    const npmLeft = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).split("\n").filter((args) => args.includes(env.DHI_CACHE_DIR));
    expect(npmLeft).toEqual([]);
    expect(installedEmbeddingRuntime(env)).toBeNull();
    expect(readdirSync(dirname(embeddingRuntimeDir(env)))).toEqual([]);
  }, 60_000);
});

describe("an aborted npm", () => {
  // npm writes into the folder the install removes after an abort: it may be removed only once npm has exited.
  // A child that writes files until it is killed stands in for npm, so the ordering is not left to timing.
  it("has exited when the run resolves, and is not left to npm's own slow rollback", { timeout: 10_000 }, async () => {
    const folder = mkdtempSync(join(tmpdir(), "dhi-npm-exit-"));
    const writer = ["-e", `
      const fs = require("node:fs");
      process.on("SIGTERM", () => {}); // npm rolls back on SIGTERM and exits when its sockets drain
      process.stdout.write("pid " + process.pid + "\\n");
      let n = 0;
      setInterval(() => fs.writeFileSync(${JSON.stringify(folder)} + "/f" + (n++ % 50), "x"), 1);`];
    const controller = new AbortController();
    const err: string[] = [];
    const started = Date.now();
    const run = runUntilExit(process.execPath, writer, process.env, { stderr: (t) => void err.push(t) }, controller.signal);
    while (!/pid \d+/.test(err.join(""))) await new Promise((done) => setTimeout(done, 10));
    const pid = Number(/pid (\d+)/.exec(err.join(""))?.[1]);
    controller.abort();
    const result = await run;
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    expect(result.why).toMatch(/exit killed/);
    expect(Date.now() - started).toBeLessThan(5_000);
    rmSync(folder, { recursive: true });
  });
});
