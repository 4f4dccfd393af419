import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ServerCapabilities } from "vscode-languageserver-protocol";
import { REPO_ROOT } from "../helpers/paths.js";
import {
  EDITOR_CONFIGS,
  EDITOR_TESTS,
  PYTHON_CURSORS,
  PYTHON_FIXTURE,
  assertBuilt,
  dhiItem,
  editRange,
  describeWithEditor,
  editorAvailability,
  editorEnv,
  makeWorkspace,
  readJson,
  runProcess,
} from "./editorHarness.js";

/** What test/editors/emacs-driver.el writes. */
interface EmacsOutput {
  majorMode: string;
  connected?: boolean;
  serverClass?: string;
  serverInfo?: { name?: string; version?: string };
  capabilities?: ServerCapabilities;
  completionParams?: { position: { line: number; character: number } };
  completion?: unknown;
  completionMs?: number;
  completionAttempt?: number;
  capfCandidates?: string[];
  capfDetail?: string | null;
  status?: { model: string; index: string; lastLatencyMs?: number };
  modeLine?: string;
  error?: string;
}


const emacs = editorAvailability("emacs", "emacs-nox elpa-eglot");

describeWithEditor("Emacs (real, batch) + Eglot with editor-configs/emacs/dhi-eglot.el", emacs, () => {
  let out: EmacsOutput;

  beforeAll(async () => {
    assertBuilt();
    const home = mkdtempSync(join(tmpdir(), "dhi-emacs-home-"));
    const root = makeWorkspace({ "src/calc.py": PYTHON_FIXTURE });
    const outPath = join(home, "out.json");
    const run = await runProcess(
      emacs.available ? emacs.path : "emacs",
      ["--batch", "-Q", "-l", join(EDITOR_CONFIGS, "emacs/dhi-eglot.el"), "-l", join(EDITOR_TESTS, "emacs-driver.el")],
      {
        cwd: root,
        timeoutMs: 80_000,
        env: editorEnv(home, {
          DHI_TEST_OUT: outPath,
          DHI_TEST_FILE: join(root, "src/calc.py"),
          DHI_TEST_POSITIONS: PYTHON_CURSORS.map((p) => `${p.line}:${p.character}`).join(","),
          DHI_REPO: REPO_ROOT,
        }),
      },
    );
    out = readJson<EmacsOutput>(outPath, "Emacs", run);
    if (out.error || out.connected !== true) {
      throw new Error(`Emacs driver failed: ${out.error ?? "eglot never connected to dhi"}\nstderr:\n${run.stderr.slice(-3000)}`);
    }
  }, 90_000);

  it("connects Eglot to dhi through the shipped eglot-server-programs entry", () => {
    expect(out.majorMode).toBe("python-mode");
    expect(out.serverClass).toBe("dhi-eglot-server");
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
    expect(out.status?.lastLatencyMs).toBeGreaterThanOrEqual(0);
    expect(out.modeLine).toMatch(/dhi ready \| index ready \| \d+ ms \| [\d.]+ tok\/s /);
  });

  it("offers the dhi item through completion-at-point (what company/corfu use)", () => {
    expect(out.capfCandidates?.length ?? 0).toBeGreaterThan(0);
    expect(out.capfDetail).toBe("dhi");
  });
});
