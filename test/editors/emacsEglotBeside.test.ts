import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/paths.js";
import { EDITOR_TESTS, assertBuilt, describeWithEditor, runEmacsDriver, editorAvailability } from "./editorHarness.js";

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
    ({ out } = await runEmacsDriver<CompanionOutput>(emacs, "Emacs companion", [join(EDITOR_TESTS, "emacs-companion-driver.el")], {
      DHI_REPO: REPO_ROOT,
      DHI_OTHER_SERVER: join(EDITOR_TESTS, "fixtures/other-server.mjs"),
    }));
  }, 160_000);

  it("Eglot keeps the other server; dhi-eglot-companion-mode adds dhi's capf before Eglot's", () => {
    expect(out.eglotServer).toBe("other-server");
    expect(out.companion, JSON.stringify(out)).toBe(true);
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
