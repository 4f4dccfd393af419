import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/paths.js";
import { EDITOR_TESTS, PYTHON_CURSORS, PYTHON_FIXTURE, assertBuilt, describeWithEditor, editorAvailability, editorEnv, makeWorkspace, readJson, runProcess } from "./editorHarness.js";

// The recipe for dhi BESIDE another server under Eglot (editor-configs/emacs/dhi-eglot-companion.el): Eglot keeps
// the language's server (here a small stand-in, test/editors/fixtures/other-server.mjs, since none is installed)
// and dhi runs next to it through jsonrpc.el.

interface CompanionOutput {
  eglotServer?: string;
  companion?: boolean;
  capfs?: string[];
  dhiCandidates?: string[];
  otherCandidates?: string[];
  dhiActions?: string[];
  agentPreview?: string | null;
  error?: string;
}

const emacs = editorAvailability("emacs", "emacs-nox elpa-eglot");

describeWithEditor("Emacs (real, batch): dhi beside another server under Eglot (dhi-eglot-companion.el)", emacs, () => {
  let out: CompanionOutput;

  beforeAll(async () => {
    assertBuilt();
    const home = mkdtempSync(join(tmpdir(), "dhi-emacs-beside-home-"));
    const root = makeWorkspace({ "src/calc.py": PYTHON_FIXTURE });
    const outPath = join(home, "out.json");
    const run = await runProcess(emacs.available ? emacs.path : "emacs", ["--batch", "-Q", "-l", join(EDITOR_TESTS, "emacs-companion-driver.el")], {
      cwd: root,
      timeoutMs: 150_000,
      env: editorEnv(home, {
        DHI_TEST_OUT: outPath,
        DHI_TEST_FILE: join(root, "src/calc.py"),
        DHI_TEST_POSITIONS: PYTHON_CURSORS.map((p) => `${p.line}:${p.character}`).join(","),
        DHI_REPO: REPO_ROOT,
        DHI_OTHER_SERVER: join(EDITOR_TESTS, "fixtures/other-server.mjs"),
        DHI_TEST_AGENT: "fix the bug in add",
        DHI_SANDBOX: "none",
      }),
    });
    out = readJson<CompanionOutput>(outPath, "Emacs companion", run);
    if (out.error) throw new Error(`Emacs companion driver failed: ${out.error}\nstderr:\n${run.stderr.slice(-3000)}`);
  }, 160_000);

  it("Eglot keeps the other server; dhi-eglot-companion-mode adds dhi's capf before Eglot's", () => {
    expect(out.eglotServer).toBe("other-server");
    expect(out.companion).toBe(true);
    const capfs = out.capfs ?? [];
    expect(capfs.indexOf("dhi-eglot-companion-capf")).toBeGreaterThanOrEqual(0);
    expect(capfs.indexOf("dhi-eglot-companion-capf")).toBeLessThan(capfs.indexOf("eglot-completion-at-point"));
  });

  it("both servers complete at point: dhi through its capf, the other through Eglot's", () => {
    expect(out.dhiCandidates?.length ?? 0, JSON.stringify(out)).toBeGreaterThan(0);
    expect(out.dhiCandidates?.[0]?.trim().length).toBeGreaterThan(0);
    expect(out.otherCandidates).toEqual(["fromOther"]);
  });

  it("dhi's code actions and agent go to dhi, not to Eglot's server", () => {
    expect(out.dhiActions).toContain("dhi: Rewrite selection…");
    expect(out.agentPreview).toMatch(/^\*dhi agent [0-9a-f-]+\*$/);
  });
});
