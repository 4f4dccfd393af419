import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/paths.js";
import { EDITOR_TESTS, assertBuilt, describeWithEditor, runEmacsDriver, editorAvailability, type EditorAvailability } from "./editorHarness.js";

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
  statusLine?: string | false;
  serverLog?: string;
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
    const { out: result, run } = await runEmacsDriver<LspModeOutput>(withLspMode, "Emacs lsp-mode", [join(EDITOR_TESTS, "emacs-lsp-driver.el")], { DHI_REPO: REPO_ROOT });
    out = result;
    if (out.connected !== true) throw new Error(`Emacs lsp-mode driver failed: lsp-mode never connected to dhi\nstderr:\n${run.stderr.slice(-3000)}`);
  }, 160_000);

  it("starts dhi as an lsp-mode add-on client and gets its completion", () => {
    expect(out.lspModeVersion).toMatch(/^8\./);
    expect(out.majorMode).toBe("python-mode");
    expect(out.serverIds).toEqual(["dhi"]);
    const item = out.completionItems?.find((i) => i.detail === "dhi");
    expect(item, JSON.stringify(out.completionItems)).toBeDefined();
    expect(item?.newText.trim().length).toBeGreaterThan(0);
  });

  it("shows dhi/status through lsp-mode's notification handler (dhi-status.el)", () => {
    expect(out.statusLine, `server log:\n${out.serverLog ?? ""}`).toMatch(/^dhi ready \| index (ready|building|stale) \| \d+ ms/);
  });

  it("C-u M-x dhi-lsp-agent previews the run in a diff-mode buffer; d discards; dhi-lsp-agent-resume reopens it", () => {
    expect(out.preview, JSON.stringify(out)).toMatchObject({
      name: `*dhi agent ${out.runId}*`,
      majorMode: "diff-mode",
      previewMode: true,
      keys: { a: "dhi-agent-preview-apply", d: "dhi-agent-preview-discard", q: "dhi-agent-preview-discard" },
    });
    expect(out.discarded, JSON.stringify(out)).toBe(true);
    expect(out.resumed?.name).toBe(`*dhi agent ${out.runId}*`);
  });
});
