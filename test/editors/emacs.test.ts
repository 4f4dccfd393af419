import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import type { ServerCapabilities } from "vscode-languageserver-protocol";
import {
  EDITOR_CONFIGS,
  EDITOR_TESTS,
  PYTHON_CURSORS,
  assertBuilt,
  dhiItem,
  editRange,
  describeWithEditor,
  editorAvailability,
  editorEnv,
  makeWorkspace,
  runEmacsDriver,
  runProcess,
  pathWithoutDhi,
} from "./editorHarness.js";

/** What test/editors/emacs-driver.el writes. */
interface EmacsOutput {
  majorMode: string;
  connected?: boolean;
  serverClass?: string;
  command?: string[];
  serverInfo?: { name?: string; version?: string };
  capabilities?: ServerCapabilities;
  completionParams?: { position: { line: number; character: number } };
  completion?: unknown;
  completionMs?: number;
  completionAttempt?: number;
  capfCandidates?: string[];
  capfDetail?: string | null;
  agent?: {
    runId: string;
    preview: PreviewState | null;
    discarded: boolean;
    appliedClosed: boolean;
    fileAfterApply: string;
    undo: string;
    resumed: PreviewState | null;
  };
  status?: { model: string; index: string; lastLatencyMs?: number; tokensPerSecond?: number };
  modeLine?: string;
  serverLog?: string;
  error?: string;
}
interface PreviewState {
  name: string;
  majorMode: string;
  previewMode: boolean;
  readOnly: boolean;
  header: string[];
  keys: { a: string; d: string; q: string };
}


const emacs = editorAvailability("emacs", "emacs-nox elpa-eglot");

describeWithEditor("Emacs (real, batch) + Eglot with editor-configs/emacs/dhi-eglot.el", emacs, () => {
  let out: EmacsOutput;

  beforeAll(async () => {
    assertBuilt();
    const { out: result, run } = await runEmacsDriver<EmacsOutput>(emacs, "Emacs", [join(EDITOR_CONFIGS, "emacs/dhi-eglot.el"), join(EDITOR_TESTS, "emacs-driver.el")]);
    out = result;
    if (out.connected !== true) throw new Error(`Emacs driver failed: eglot never connected to dhi\nstderr:\n${run.stderr.slice(-3000)}`);
  }, 160_000);

  it("connects Eglot to dhi through the shipped eglot-server-programs entry", () => {
    expect(out.majorMode).toBe("python-mode");
    expect(out.serverClass).toBe("dhi-eglot-server");
    // The shipped default: `dhi` from PATH (the installed package in CI).
    expect(out.command).toEqual(["dhi", "--stdio"]);
    expect(out.serverInfo?.name).toBe("dhi");
    expect(out.capabilities?.completionProvider).toBeTruthy();
    expect(out.capabilities?.inlineCompletionProvider).toBeUndefined();
  });

  it("gets a completion from dhi with the right range", () => {
    const cursor = PYTHON_CURSORS[(out.completionAttempt ?? 1) - 1];
    expect(out.completionParams?.position).toEqual(cursor);
    const item = dhiItem(out.completion);
    expect(item, JSON.stringify(out.completion)).toBeDefined();
    if (!item) return;
    expect(item.command?.command).toBe("dhi.completion.accepted");
    expect((item.textEdit?.newText ?? "").trim().length).toBeGreaterThan(0);
    const range = editRange(item);
    expect(range.start).toEqual(cursor);
    expect(range.end.line).toBe(cursor.line);
  });

  it("shows dhi/status in the mode line (dhi-status.el)", () => {
    expect(out.status).toMatchObject({ model: "ready", index: "ready" });
    expect(out.status?.lastLatencyMs, `status ${JSON.stringify(out.status)}; server log:\n${out.serverLog ?? ""}`).toBeGreaterThanOrEqual(0);
    // The mode line shows exactly what the last status holds (a cache hit carries no speed).
    const speed = out.status?.tokensPerSecond === undefined ? "" : ` | ${out.status.tokensPerSecond.toFixed(1)} tok/s`;
    expect(out.modeLine).toContain(`dhi ready | index ready | ${out.status?.lastLatencyMs} ms${speed} `);
  });

  it("offers the dhi item through completion-at-point (what company/corfu use)", () => {
    expect(out.capfCandidates?.length ?? 0).toBeGreaterThan(0);
    expect(out.capfDetail).toBe("dhi");
  });

  it("C-u M-x dhi-eglot-agent opens the run's diff in a diff-mode buffer with apply/discard keys; d discards", () => {
    const agent = out.agent;
    expect(agent?.preview, JSON.stringify(agent)).toBeTruthy();
    expect(agent?.preview).toMatchObject({
      name: `*dhi agent ${agent?.runId}*`,
      majorMode: "diff-mode",
      previewMode: true,
      readOnly: true,
      keys: { a: "dhi-agent-preview-apply", d: "dhi-agent-preview-discard", q: "dhi-agent-preview-discard" },
    });
    expect(agent?.preview?.header[0]).toMatch(new RegExp(`^# dhi agent run ${agent?.runId} \\((verified|UNVERIFIED)\\)$`));
    expect(agent?.discarded, JSON.stringify(agent)).toBe(true);
  });

  it("the preview's a key applies the edit through Eglot and saves the file", () => {
    expect(out.agent?.appliedClosed, JSON.stringify(out.agent)).toBe(true);
    expect(out.agent?.fileAfterApply).toContain("    def add(self, a, b):\n        return a + b\n");
  });

  it("M-x dhi-eglot-agent-undo and dhi-eglot-agent-resume reach the server for the run", () => {
    // Undo of a run that was never applied is refused by the server, and that one line reaches the user.
    expect(out.agent?.undo).toMatch(/^ok$|dhi: cannot undo run \\"[0-9a-f-]+\\": .*not applied/);
    expect(out.agent?.resumed?.name).toBe(`*dhi agent ${out.agent?.runId}*`);
  });
});

describeWithEditor("Emacs + Eglot without dhi on PATH", emacs, () => {
  it("says once, with message, that dhi is missing and how to install it", async () => {
    const home = mkdtempSync(join(tmpdir(), "dhi-emacs-home-"));
    const root = makeWorkspace({ "a.py": "x = 1\n" });
    // Two connection attempts; each fails because the program is missing, but the message shows once.
    const attempt = "(ignore-errors (eglot-ensure) (run-hooks 'post-command-hook) (eglot--connect (eglot--guess-contact)))";
    const run = await runProcess(
      emacs.available ? emacs.path : "emacs",
      ["--batch", "-Q", "-l", join(EDITOR_CONFIGS, "emacs/dhi-eglot.el"), "--eval", `(progn (find-file "a.py") ${attempt} (dhi-eglot-command-available-p))`],
      { cwd: root, timeoutMs: 30_000, env: { ...editorEnv(home, {}), PATH: pathWithoutDhi() } },
    );
    const lines = run.stderr.split("\n").filter((line) => line.includes("is not on PATH"));
    expect(lines, run.stderr).toEqual([
      "dhi: `dhi' is not on PATH. Install it with `npm install -g dhi-lsp' (then run `dhi setup'), or set `dhi-eglot-command' to a clone's dist/cli.js.",
    ]);
  }, 40_000);
});
