import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EDITOR_CONFIGS } from "./editorHarness.js";

// Editors start the server in the project's folder: `npx dhi` there runs whatever `dhi` that project's
// node_modules or the npm registry holds (an unrelated package is called `dhi`). Every shipped config
// starts `dhi` from PATH instead.

function configFiles(dir = EDITOR_CONFIGS): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? configFiles(join(dir, entry.name)) : /\.(lua|el|toml)$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe("shipped editor configs", () => {
  it("never start the server through npx", () => {
    const files = configFiles();
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) expect(readFileSync(file, "utf8"), file).not.toMatch(/\bnpx\b/);
  });

  it("start `dhi --stdio` from PATH by default", () => {
    const read = (name: string) => readFileSync(join(EDITOR_CONFIGS, name), "utf8");
    expect(read("neovim/dhi.lua")).toContain('cmd = { "dhi", "--stdio" }');
    expect(read("neovim/lspconfig.lua")).toContain('local cmd = { "dhi", "--stdio" }');
    expect(read("emacs/dhi-eglot.el")).toContain(`(defcustom dhi-eglot-command '("dhi" "--stdio")`);
    expect(read("emacs/dhi-lsp-mode.el")).toContain(`(defcustom dhi-lsp-command '("dhi" "--stdio")`);
    expect(read("helix/languages.toml")).toMatch(/\[language-server\.dhi\]\ncommand = "dhi"\nargs = \["--stdio"\]/);
    expect(read("kakoune/kak-lsp.toml")).toMatch(/command = "dhi"/);
  });
});
