import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { InlineCompletionItem } from "vscode-languageserver-protocol";
import { fileUri, TestClient } from "../helpers/lspClient.js";
import { EMBED_MODEL, FIM_MODEL, REPO_ROOT } from "../helpers/paths.js";

// The packed package, installed globally the way a user installs it (.ci/install-packed.sh: `npm pack`, then
// `npm install -g` under a Node that lives in its own prefix), started from a project outside the clone with
// the installed `dhi` on PATH. CI sets DHI_INSTALLED_BIN; elsewhere these tests skip and say how to run them.

const INSTALLED = process.env.DHI_INSTALLED_BIN;
const HOW = "DHI_INSTALLED_BIN is not set: run `bash .ci/install-packed.sh /tmp/dhi-install` and export DHI_INSTALLED_BIN=<the path it prints>";

function describeInstalled(title: string, body: (bin: string) => void): void {
  if (INSTALLED) {
    describe(title, () => body(INSTALLED));
    return;
  }
  describe(title, () => {
    if (process.env.CI) it("has the packed package installed in CI", () => {
      throw new Error(HOW);
    });
    else it.skip(`skipped: ${HOW}`, () => undefined);
  });
}

/** PATH with the installed `dhi` first and nothing from the clone. */
function userPath(bin: string): string {
  const rest = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir && !dir.startsWith(REPO_ROOT) && !existsSync(join(dir, "dhi")));
  return [dirname(bin), ...rest].join(delimiter);
}

function project(): string {
  const root = mkdtempSync(join(tmpdir(), "dhi-installed-project-"));
  writeFileSync(join(root, "point.py"), "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        \n");
  return root;
}

/** This machine's network settings (proxy, extra CA certificates), as a user's shell has them. */
function networkEnv(): NodeJS.ProcessEnv {
  const keys = /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|npm_config_(cafile|registry|proxy|https_proxy))$/;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => keys.test(key)));
}

function userEnv(bin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...networkEnv(),
    PATH: userPath(bin),
    HOME: mkdtempSync(join(tmpdir(), "dhi-installed-home-")),
    DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-installed-cache-")),
    DHI_SANDBOX: "none",
    ...extra,
  };
}

/** The machine's npm cache: the user of a fresh HOME here still has the one the install filled. */
const NPM_CACHE = process.env.npm_config_cache ?? join(process.env.HOME ?? tmpdir(), ".npm");

function run(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 120_000) {
  // By name, through PATH, as a user types it.
  return spawnSync("dhi", args, { cwd, env, encoding: "utf8", timeout });
}

describeInstalled("the packed package, installed globally", (bin) => {
  const packageDir = join(dirname(realpathSync(bin)), "..");
  const prefix = dirname(dirname(bin));

  it("is installed outside the clone, with no file from it", () => {
    expect(realpathSync(bin).startsWith(REPO_ROOT)).toBe(false);
    expect(JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"))).toMatchObject({ name: "dhi-lsp", bin: { dhi: "dist/cli.js" } });
    for (const path of ["grammars/python/index.scm", "editor-configs/neovim/dhi.lua", "dist/index/extractWorker.js", "dist/index/updateWorker.js"]) {
      expect(existsSync(join(packageDir, path)), path).toBe(true);
    }
  });

  it("dhi --version prints the package version", () => {
    const root = project();
    const result = run(bin, ["--version"], root, userEnv(bin));
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    expect(result.stdout).toBe(`${pkg.version}\n`);
    expect(result.status).toBe(0);
  });

  it("has no onnxruntime-node (whose install script downloads CUDA libraries), and doctor says `dhi setup` installs the embedding runtime", () => {
    // .ci/run installs with no ONNXRUNTIME_NODE_INSTALL in the environment: a global install must not need it.
    expect(existsSync(join(packageDir, "node_modules", "onnxruntime-node")), "onnxruntime-node is in the installed package").toBe(false);
    expect(existsSync(join(packageDir, "node_modules", "@huggingface", "transformers"))).toBe(false);
    const root = project();
    const result = run(bin, ["doctor", "--json"], root, userEnv(bin, { DHI_MODEL: FIM_MODEL, DHI_EMBED_MODEL: EMBED_MODEL }));
    const report = JSON.parse(result.stdout) as { checks: Array<{ name: string; ok: boolean; required: boolean; detail: string }> };
    expect(report.checks.find((c) => c.name === "embeddingModel"), result.stdout).toMatchObject({ ok: false, required: false, detail: expect.stringContaining("`dhi setup` installs it") });
    expect(result.status, "a missing embedding runtime is not a missing required part").toBe(0);
  });

  it("dhi setup installs the embedding runtime from the npm registry even with the model host unreachable; doctor --json then says model, llama.cpp, embeddings and grammars are ready", () => {
    const root = project();
    const env = userEnv(bin, { DHI_MODEL: FIM_MODEL, DHI_EMBED_MODEL: EMBED_MODEL });
    const setup = run(bin, ["setup", "--no-build-llama", "--no-measure"], root, { ...env, HF_ENDPOINT: "http://127.0.0.1:9/", npm_config_cache: NPM_CACHE }, 300_000);
    const lines = setup.stderr.trim().split("\n");
    expect(lines, setup.stderr).toContain("dhi setup: 2/5 embedding runtime");
    expect(lines.at(-1), setup.stderr).toMatch(/^dhi setup: not finished: the default models could not be downloaded/);
    expect(setup.status).toBe(1);
    const result = run(bin, ["doctor", "--json"], root, env);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    const check = (name: string) => report.checks.find((c) => c.name === name);
    expect(check("model"), result.stdout).toMatchObject({ ok: true, detail: `${FIM_MODEL} (from DHI_MODEL)` });
    expect(check("llamaCpp")?.ok).toBe(true);
    expect(check("llamaCpp")?.detail).not.toContain("npm run");
    expect(check("embeddingModel")?.ok, check("embeddingModel")?.detail).toBe(true);
    expect(check("grammars")?.ok, check("grammars")?.detail).toBe(true);
    expect(report.ok, JSON.stringify(report)).toBe(true);
    expect(result.status).toBe(0);
  }, 360_000);

  it("builds every native addon against the Node it was installed with", () => {
    // .ci/install-packed.sh installs under a copied Node prefix; node-gyp records the headers it compiled against.
    const modules = join(packageDir, "node_modules");
    const addons = ["better-sqlite3", "hnswlib-node", "tree-sitter"];
    for (const name of addons) {
      const build = join(modules, name, "build");
      const nodes = existsSync(join(build, "Release")) ? readdirSync(join(build, "Release")).filter((f) => f.endsWith(".node")) : [];
      expect(nodes.length, `${name} has no compiled addon in ${build}`).toBeGreaterThan(0);
      const gypi = readFileSync(join(build, "config.gypi"), "utf8");
      expect(gypi, name).toContain(`"nodedir": "${prefix}"`);
    }
    expect(prefix.startsWith("/usr")).toBe(false);
  });

  it("serves LSP from a project outside the clone: initialize and an inline completion with the tiny model", async () => {
    const root = project();
    const env = userEnv(bin, { DHI_MODEL: FIM_MODEL });
    const client = new TestClient({ command: ["dhi"], cwd: root, env: { ...env, DHI_LOG_LEVEL: "info" } });
    try {
      const init = await client.initialize(root, undefined, { model: { threads: 1 }, completion: { responseBudgetMs: 0 } });
      expect(init.serverInfo?.name).toBe("dhi");
      expect(init.capabilities.inlineCompletionProvider).toBeTruthy();
      const uri = fileUri(join(root, "point.py"));
      const text = readFileSync(join(root, "point.py"), "utf8");
      await client.open(uri, "python", text);
      const items = await client.connection.sendRequest<InlineCompletionItem[]>("textDocument/inlineCompletion", {
        textDocument: { uri },
        position: { line: 3, character: 8 },
        context: { triggerKind: 1 },
      });
      expect(items.length, client.stderr.slice(-2000)).toBeGreaterThan(0);
      expect(typeof items[0]?.insertText === "string" ? items[0].insertText : "").not.toBe("");
      expect(await client.shutdown()).toBe(0);
    } finally {
      client.kill();
    }
  }, 120_000);
});
