import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/paths.js";
import { EDITOR_TESTS, PYTHON_CURSORS, PYTHON_FIXTURE, assertBuilt, describeWithEditor, editorAvailability, type EditorAvailability, editorEnv, makeWorkspace, readJson, runProcess } from "./editorHarness.js";

// dhi-lsp-mode.el in real batch Emacs with the lsp-mode Debian packages (elpa-lsp-mode, 8.0.0 in bookworm;
// .ci/run installs it). Ghost text needs lsp-mode 9.0.1, which Debian does not have: that part stays untested.

interface PreviewState {
  name: string;
  majorMode: string;
  previewMode: boolean;
  keys: { a: string; d: string; q: string };
}
interface LspModeOutput {
  lspModeVersion?: string;
  majorMode?: string;
  connected?: boolean;
  serverIds?: string[];
  completionItems?: { detail: string; newText: string }[];
  runId?: string;
  preview?: PreviewState | null;
  discarded?: boolean;
  resumed?: PreviewState | null;
  error?: string;
}

const emacs = editorAvailability("emacs", "emacs-nox elpa-lsp-mode");
const lspModeInstalled = existsSync("/usr/share/emacs/site-lisp/elpa/lsp-mode-8.0.0") || existsSync("/usr/share/emacs/site-lisp/elpa-src/lsp-mode-8.0.0");
const withLspMode: EditorAvailability =
  emacs.available && !lspModeInstalled ? { available: false, reason: "lsp-mode is not installed; install it with: apt-get install -y --no-install-recommends elpa-lsp-mode" } : emacs;

describeWithEditor("Emacs (real, batch) + lsp-mode (Debian elpa-lsp-mode) with editor-configs/emacs/dhi-lsp-mode.el", withLspMode, () => {
  let out: LspModeOutput;

  beforeAll(async () => {
    assertBuilt();
    const home = mkdtempSync(join(tmpdir(), "dhi-emacs-lsp-home-"));
    const root = makeWorkspace({ "src/calc.py": PYTHON_FIXTURE });
    const outPath = join(home, "out.json");
    const run = await runProcess(emacs.available ? emacs.path : "emacs", ["--batch", "-Q", "-l", join(EDITOR_TESTS, "emacs-lsp-driver.el")], {
      cwd: root,
      timeoutMs: 150_000,
      env: editorEnv(home, {
        DHI_TEST_OUT: outPath,
        DHI_TEST_FILE: join(root, "src/calc.py"),
        DHI_TEST_POSITIONS: PYTHON_CURSORS.map((p) => `${p.line}:${p.character}`).join(","),
        DHI_REPO: REPO_ROOT,
        DHI_TEST_AGENT: "fix the bug in add",
        DHI_SANDBOX: "none",
      }),
    });
    out = readJson<LspModeOutput>(outPath, "Emacs lsp-mode", run);
    if (out.error || out.connected !== true) throw new Error(`Emacs lsp-mode driver failed: ${out.error ?? "lsp-mode never connected to dhi"}\nstderr:\n${run.stderr.slice(-3000)}`);
  }, 160_000);

  it("starts dhi as an lsp-mode add-on client and gets its completion", () => {
    expect(out.lspModeVersion).toMatch(/^8\./);
    expect(out.majorMode).toBe("python-mode");
    expect(out.serverIds).toEqual(["dhi"]);
    const item = out.completionItems?.find((i) => i.detail === "dhi");
    expect(item, JSON.stringify(out.completionItems)).toBeDefined();
    expect(item?.newText.trim().length).toBeGreaterThan(0);
  });

  it("C-u M-x dhi-lsp-agent previews the run in a diff-mode buffer; d discards; dhi-lsp-agent-resume reopens it", () => {
    expect(out.preview, JSON.stringify(out)).toMatchObject({
      name: `*dhi agent ${out.runId}*`,
      majorMode: "diff-mode",
      previewMode: true,
      keys: { a: "dhi-agent-preview-apply", d: "dhi-agent-preview-discard", q: "dhi-agent-preview-discard" },
    });
    expect(out.discarded).toBe(true);
    expect(out.resumed?.name).toBe(`*dhi agent ${out.runId}*`);
  });
});
