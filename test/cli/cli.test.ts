import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheFileName, DEFAULT_MODEL_URI } from "../../server/inference/defaultModels.js";
import { CLI, DRAFT_MODEL, EMBED_MODEL, FIM_MODEL, REPO_ROOT } from "../helpers/paths.js";

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
    expect(report.checks.map((c) => c.name)).toEqual(["model", "draftModel", "llamaCpp", "embeddingModel", "grammars", "index", "sandbox"]);
    expect(report.checks.find((c) => c.name === "grammars")?.ok).toBe(true);
  });

  it("doctor passes its required checks with the shared model", () => {
    const dir = mkdtempSync(join(tmpdir(), "dhi-doctor-"));
    const result = dhi(["doctor"], { DHI_MODEL: FIM_MODEL, DHI_EMBED_MODEL: EMBED_MODEL }, dir);
    expect(result.stdout).toContain(`✓ model: ${FIM_MODEL}`);
    expect(result.stdout).toContain("✓ embeddingModel: embedding model dhi-embed-tiny");
    // Names the llama.cpp binary in use (prebuilt, or built here by `npm run build:llama`).
    expect(result.stdout).toMatch(/✓ llamaCpp: (prebuilt binary|built on this machine), CPU/);
    expect(result.code).toBe(0);
    const withoutEmbeddings = dhi(["doctor", "--json"], { DHI_MODEL: FIM_MODEL }, dir);
    const report = JSON.parse(withoutEmbeddings.stdout) as { checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(report.checks.find((c) => c.name === "embeddingModel")).toMatchObject({ ok: false, detail: expect.stringContaining("search works without vectors") });
  });

  it("doctor after a pull: the model in the cache is found without any setting, ✓ and exit 0", () => {
    const dir = mkdtempSync(join(tmpdir(), "dhi-doctor-"));
    const cacheDir = mkdtempSync(join(tmpdir(), "dhi-cli-cache-"));
    // What `dhi models pull` leaves: the default model's file in the model cache.
    const pulled = join(cacheDir, "models", cacheFileName(DEFAULT_MODEL_URI));
    mkdirSync(dirname(pulled), { recursive: true });
    copyFileSync(FIM_MODEL, pulled);
    const result = dhi(["doctor"], { DHI_CACHE_DIR: cacheDir }, dir);
    expect(result.stdout).toContain(`✓ model: ${pulled} (from pulled default)`);
    // No pulled draft: off, saying why and what to run.
    expect(result.stdout).toContain("✓ draftModel: speculative decoding off: no draft model");
    expect(result.stdout).not.toContain("npm run");
    expect(result.code).toBe(0);
  });

  it("doctor summarises the workspace's index once it is built", () => {
    const dir = mkdtempSync(join(tmpdir(), "dhi-doctor-"));
    writeFileSync(join(dir, "tool.py"), "def walk(root):\n    return root\n");
    const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-cli-cache-")), DHI_EMBED_MODEL: EMBED_MODEL };
    const check = () => (JSON.parse(dhi(["doctor", "--json"], env, dir).stdout) as { checks: Array<{ name: string; ok: boolean; detail: string }> })
      .checks.find((c) => c.name === "index");
    expect(check()?.detail).toContain("not built yet");
    expect(dhi(["index"], env, dir).code).toBe(0);
    expect(check()).toMatchObject({ ok: true, detail: expect.stringMatching(/^1 files, 1 chunks, 1 of them with vectors \(100%\), 1 symbols; cache at /) });
  });

  it("index --json and doctor report the fusion calibration: recalls and weights", () => {
    const dir = mkdtempSync(join(tmpdir(), "dhi-doctor-"));
    writeFileSync(join(dir, "strings.py"), readFileSync(join(REPO_ROOT, "test/index/fixtures/calibration/strings.py")));
    const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-cli-cache-")), DHI_EMBED_MODEL: EMBED_MODEL };
    const indexed = dhi(["index", "--json"], env, dir);
    expect(indexed.code, indexed.stderr).toBe(0);
    type Kind = { measured: boolean; queries: number; recallAt5: Record<string, number>; weights: Record<string, number> };
    const { fusion } = JSON.parse(indexed.stdout) as { fusion: { prose: Kind; code: Kind } };
    expect(fusion.prose).toMatchObject({ measured: true, weights: { fts: expect.any(Number), vectors: expect.any(Number), graph: expect.any(Number) } });
    expect(fusion.prose.queries).toBeGreaterThan(20);
    expect(Object.keys(fusion.prose.recallAt5).sort()).toEqual(["fts", "graph", "hybrid", "vectors"]);
    expect(fusion.code).toMatchObject({ measured: false, weights: { fts: 1, vectors: 1, graph: 1 } });
    const report = JSON.parse(dhi(["doctor", "--json"], env, dir).stdout) as { fusion: unknown; checks: Array<{ name: string; detail: string }> };
    expect(report.fusion).toEqual(fusion);
    expect(report.checks.find((c) => c.name === "index")?.detail).toMatch(/fusion weights for doc comments: FTS [\d.]+ \/ vectors [\d.]+ \/ graph [\d.]+ from recall@5 /);
  });

  describe("complete", () => {
    function file(name: string, text: string): string {
      const dir = mkdtempSync(join(tmpdir(), "dhi-complete-"));
      // Marks the settings root; model.* would be ignored in an untrusted file (threads 0 already means 1 for tiny models).
      writeFileSync(join(dir, ".dhi.json"), "{}\n");
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    }

    it("prints the completion at a 1-based FILE:LINE:COL, and with --json its context, tokens and timings", () => {
      const path = file("point.py", "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        \n");
      const plain = dhi(["complete", `${path}:4:9`], { DHI_MODEL: FIM_MODEL });
      expect(plain.code).toBe(0);
      expect(plain.stdout.trim().length).toBeGreaterThan(0);
      const json = dhi(["complete", `${path}:4:9`, "--json", "--max-tokens", "16"], { DHI_MODEL: FIM_MODEL });
      expect(json.code).toBe(0);
      const payload = JSON.parse(json.stdout) as { text: string; timings: Record<string, number>; tokens: Record<string, number>; context: Array<{ kind: string }> };
      expect(payload.text.length).toBeGreaterThan(0);
      expect(payload.tokens.generated).toBeGreaterThan(0);
      expect(payload.tokens.generated).toBeLessThanOrEqual(16);
      expect(payload.timings.totalMs).toBeGreaterThan(0);
      expect(payload.context.map((c) => c.kind)).toEqual(expect.arrayContaining(["prefix", "suffix"]));
    });

    it("--json reports speculative decoding per request, and doctor --json the acceptance rate", () => {
      const path = file("point.py", "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        \n");
      const cacheDir = mkdtempSync(join(tmpdir(), "dhi-cli-cache-"));
      const env = { DHI_MODEL: FIM_MODEL, DHI_CACHE_DIR: cacheDir };
      const json = dhi(["complete", `${path}:4:9`, "--json", "--max-tokens", "24", "--draft-model", DRAFT_MODEL], env);
      expect(json.code, json.stderr).toBe(0);
      const { speculation } = JSON.parse(json.stdout) as { speculation: { kind: string; drafted: number; accepted: number; targetPasses: number } };
      expect(speculation.kind).toBe("draft");
      expect(speculation.drafted).toBeGreaterThan(0);
      expect(speculation.accepted).toBeLessThanOrEqual(speculation.drafted);
      expect(speculation.targetPasses).toBeGreaterThan(0);
      const plain = JSON.parse(dhi(["complete", `${path}:4:9`, "--json", "--max-tokens", "8"], env).stdout) as { speculation: { kind: string; drafted: number } };
      expect(plain.speculation).toMatchObject({ kind: "none", drafted: 0 });

      const doctor = dhi(["doctor", "--json", "--dir", join(path, "..")], env);
      const report = JSON.parse(doctor.stdout) as { speculation: Record<string, { requests: number; drafted: number; accepted: number; acceptanceRate: number }> };
      expect(report.speculation.draft).toMatchObject({ requests: 1, drafted: speculation.drafted, accepted: speculation.accepted });
      expect(report.speculation.draft.acceptanceRate).toBeCloseTo(speculation.accepted / speculation.drafted, 6);
      expect(report.speculation.none.requests).toBe(1);
    });

    it("retrieves from the workspace's index once one is built", () => {
      const dir = mkdtempSync(join(tmpdir(), "dhi-complete-"));
      // Marks the settings root; model.* would be ignored in an untrusted file (threads 0 already means 1 for tiny models).
      writeFileSync(join(dir, ".dhi.json"), "{}\n");
      writeFileSync(join(dir, "limits.py"), "MAX_UPLOAD_BYTES = 10 * 1024 * 1024\n");
      writeFileSync(join(dir, "upload.py"), "def accept(size):\n    return size <= MAX_UPLOAD_BYTES and \n");
      const env = { DHI_MODEL: FIM_MODEL, DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-cli-cache-")), DHI_EMBED_MODEL: EMBED_MODEL };
      const retrieved = () => {
        const result = dhi(["complete", "upload.py:2:40", "--json", "--max-tokens", "4"], env, dir);
        expect(result.code).toBe(0);
        return (JSON.parse(result.stdout) as { context: Array<{ kind: string; path?: string; reason: string }> }).context.filter((c) => c.kind === "retrieved");
      };
      expect(retrieved()).toEqual([]);
      expect(dhi(["index"], env, dir).code).toBe(0);
      expect(retrieved()[0]).toMatchObject({ path: "limits.py", reason: expect.stringContaining("definition MAX_UPLOAD_BYTES") });
    });

    it("explains an empty answer in --json (what the model wrote and which filter dropped it)", () => {
      const path = file("calc.py", "def add(a, b):\n    return \n\nprint(add(1, 2))\n");
      const result = dhi(["complete", `${path}:2:12`, "--json"], { DHI_MODEL: FIM_MODEL });
      expect(result.code).toBe(0);
      const payload = JSON.parse(result.stdout) as { text: string; filtersApplied: string[]; raw: string | null; tokens: Record<string, number> };
      expect(payload.text).toBe("");
      expect(payload.raw?.length).toBeGreaterThan(0);
      expect(payload.filtersApplied.length).toBeGreaterThan(0);
      expect(payload.tokens.generated).toBeGreaterThan(0);
    });

    it("exits 2 with one line for a bad position, a missing file or no model", () => {
      const path = file("a.py", "x = 1\n");
      for (const [args, env, needle] of [
        [["complete", `${path}:9:1`], { DHI_MODEL: FIM_MODEL }, "line"],
        [["complete", `${path}:1`], { DHI_MODEL: FIM_MODEL }, "FILE:LINE:COL"],
        [["complete", "/nonexistent.py:1:1"], { DHI_MODEL: FIM_MODEL }, "nonexistent.py"],
        [["complete", `${path}:1:1`], {}, "DHI_MODEL"],
        [["complete", `${path}:1:1`], { DHI_MODEL: "/missing/model.gguf" }, "/missing/model.gguf"],
      ] as Array<[string[], Record<string, string>, string]>) {
        const result = dhi(args, env);
        expect(result.code, args.join(" ")).toBe(2);
        expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
        expect(result.stderr).toContain(needle);
      }
    });
  });

  it("agent --json prints the dhi.agent.run result, its edit built by the server's own converter (annotated, never applied without --apply)", { timeout: 90_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "dhi-agent-cli-"));
    const before = "def add(a, b):\n    return a - b\n";
    writeFileSync(join(dir, "calc.py"), before);
    writeFileSync(join(dir, ".dhi.json"), '{"index":{"enabled":false},"agent":{"maxIterations":1,"candidates":1}}\n');
    const result = dhi(["agent", "fix add in calc.py", "--dir", dir, "--json"], { DHI_MODEL: FIM_MODEL }, dir);
    expect([0, 1], result.stderr).toContain(result.code);
    const run = JSON.parse(result.stdout) as { runId: string; edit: { documentChanges: unknown[]; changeAnnotations: Record<string, { needsConfirmation: boolean; label: string }> }; diff: string; summary: string };
    expect(run.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.edit.documentChanges).toBeInstanceOf(Array);
    for (const annotation of Object.values(run.edit.changeAnnotations)) expect(annotation).toMatchObject({ needsConfirmation: true, label: expect.stringMatching(/^dhi agent/) });
    if (run.edit.documentChanges.length > 0) expect(run.diff).toContain("calc.py");
    expect(readFileSync(join(dir, "calc.py"), "utf8")).toBe(before);
  });
});
