import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CodeAction, Range, ServerCapabilities, WorkspaceEdit } from "vscode-languageserver-protocol";
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
  tail,
  type ProcessResult,
} from "./editorHarness.js";

/** What test/editors/nvim-driver.lua writes. */
interface LspReply {
  err: unknown;
  result: unknown;
}
interface ResolvedEntry {
  title: string;
  offered: boolean;
  ok: boolean;
  error: string | null;
  chosen?: CodeAction;
  resolve?: { err: unknown; result: CodeAction | null } | null;
  bufferBefore?: string;
  bufferAfter?: string;
}
interface NvimOutput {
  nvimVersion: string;
  attached: boolean;
  serverExited?: boolean;
  filetype: string;
  clientName?: string;
  rootDir?: string;
  serverCapabilities?: ServerCapabilities;
  completionParams?: { textDocument: { uri: string }; position: { line: number; character: number } };
  completion?: Record<string, LspReply>;
  completionMs?: number;
  completionAttempt?: number;
  codeActions?: Record<string, LspReply>;
  codeActionsMs?: number;
  resolved?: ResolvedEntry[];
  shownMessages?: { type: number; message: string }[];
  statusTable?: { model: string; index: string; lastLatencyMs?: number; tokensPerSecond?: number } | null;
  statusline?: string;
  logMessages?: { type: number; message: string }[];
  error?: string;
}

// The `add` method, for code actions.
const SELECTION: Range = { start: { line: 1, character: 0 }, end: { line: 2, character: 15 } };
const INSTRUCTION = "use the sum builtin";
// Resolved one after another through vim.lsp.buf.code_action (the buffer is restored in between). "Generate tests"
// is left to the server's own tests: with the tiny model it takes tens of seconds and is (rightly) rejected.
const RESOLVE = [
  { title: "dhi: Add doc comment" },
  { title: "dhi: Explain selection" },
  { title: "dhi: Rewrite selection", instruction: INSTRUCTION },
];

const nvim = editorAvailability("nvim", "neovim");
// The statusline recipe documented in dhi.lua.
const STATUSLINE = "%f %=%{v:lua.require'dhi'.status()} ";

async function runNeovim(): Promise<{ out: NvimOutput; run: ProcessResult }> {
  assertBuilt();
  const home = mkdtempSync(join(tmpdir(), "dhi-nvim-home-"));
  const root = makeWorkspace({ "src/calc.py": PYTHON_FIXTURE });
  const outPath = join(home, "out.json");
  const spec = {
    timeoutMs: 30_000,
    completion: { positions: PYTHON_CURSORS },
    codeActions: { range: SELECTION, diagnostics: [], resolve: RESOLVE },
    status: { statusline: STATUSLINE },
  };
  const run = await runProcess(
    nvim.available ? nvim.path : "nvim",
    ["--headless", "-u", join(EDITOR_CONFIGS, "neovim/test-init.lua"), "src/calc.py", "-c", `luafile ${join(EDITOR_TESTS, "nvim-driver.lua")}`],
    { cwd: root, timeoutMs: 80_000, env: editorEnv(home, { DHI_TEST_OUT: outPath, DHI_TEST_SPEC: JSON.stringify(spec) }) },
  );
  const logs = tail(join(home, "cache/nvim/lsp.log")) + tail(join(home, "state/nvim/lsp.log"));
  const out = readJson<NvimOutput>(outPath, "Neovim", run, logs);
  if (out.error || !out.attached) {
    throw new Error(`Neovim driver failed: ${out.error ?? "dhi never attached"}${out.serverExited ? " (the server exited)" : ""}${logs}`);
  }
  return { out, run };
}

describeWithEditor("Neovim (real, headless) with editor-configs/neovim/dhi.lua", nvim, () => {
  let out: NvimOutput;

  beforeAll(async () => {
    ({ out } = await runNeovim());
  }, 90_000);

  it("attaches dhi to a Python buffer with the shipped config and negotiates capabilities", () => {
    expect(out.filetype).toBe("python");
    expect(out.clientName).toBe("dhi");
    expect(out.rootDir).toMatch(/dhi-editor-/);
    expect(out.serverCapabilities?.completionProvider).toBeTruthy();
    // Neovim < 0.12 does not advertise textDocument.inlineCompletion, so dhi must not offer it.
    if (!/^0\.(1[2-9]|[2-9]\d)/.test(out.nvimVersion)) expect(out.serverCapabilities?.inlineCompletionProvider).toBeUndefined();
  });

  it("shows dhi/status in the statusline through require(\"dhi\").status()", () => {
    expect(out.statusTable).toMatchObject({ model: "ready", index: "ready" });
    expect(out.statusTable?.lastLatencyMs).toBeGreaterThanOrEqual(0);
    expect(out.statusline).toMatch(/src\/calc\.py +dhi ready \| index ready \| \d+ ms \| [\d.]+ tok\/s $/);
  });

  it("passes the shipped config's settings without a settings error", () => {
    // init_options and the workspace/configuration answer must both be JSON objects the server accepts.
    const errors = (out.shownMessages ?? []).filter((m) => m.type === 1);
    expect(errors, JSON.stringify(out.shownMessages)).toEqual([]);
    const logged = (out.logMessages ?? []).map((m) => m.message).join("\n");
    expect(logged).not.toMatch(/unknown setting|must be a JSON object/);
  });

  it("gets a completion from dhi through vim.lsp, with the right range", () => {
    const cursor = PYTHON_CURSORS[(out.completionAttempt ?? 1) - 1];
    expect(out.completionParams?.position).toEqual(cursor);
    const reply = out.completion?.dhi;
    expect(reply, JSON.stringify(out.completion)).toBeDefined();
    expect(reply?.err).toBeNull();
    const result = reply?.result as { isIncomplete?: boolean } | null;
    expect(result?.isIncomplete).toBe(true);
    const item = dhiItem(reply?.result);
    expect(item, JSON.stringify(reply?.result)).toBeDefined();
    if (!item) return;
    expect(item.detail).toBe("dhi");
    expect(item.command?.command).toBe("dhi.completion.accepted");
    const edit = item.textEdit;
    const newText = edit?.newText ?? "";
    expect(newText.trim().length).toBeGreaterThan(0);
    expect(item.filterText).toBe(newText);
    // The cursor follows a space, so the edit starts exactly at the cursor and ends on its line.
    const range = editRange(item);
    expect(range.start).toEqual(cursor);
    expect(range.end.line).toBe(cursor.line);
    expect(range.end.character).toBeGreaterThanOrEqual(cursor.character);
  });

  it("lists dhi code actions through vim.lsp without running the model", () => {
    const reply = out.codeActions?.dhi;
    expect(reply?.err).toBeNull();
    const actions = (reply?.result ?? []) as CodeAction[];
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action.title.startsWith("dhi: ")).toBe(true);
      expect(action.edit).toBeUndefined(); // computed lazily in codeAction/resolve
    }
    expect(out.codeActionsMs ?? Infinity).toBeLessThan(1000);
    const kinds = new Set(actions.map((a) => a.kind));
    expect(kinds.has("refactor.rewrite.dhi")).toBe(true);
    expect(kinds.has("source.dhi.doc")).toBe(true);
    expect(kinds.has("refactor.dhi.explain")).toBe(true);
    // No diagnostics in the request, so no quickfix.
    expect(kinds.has("quickfix.dhi")).toBe(false);
  });

  it("resolves and applies 'dhi: Add doc comment' through vim.lsp.buf.code_action", () => {
    const entry = out.resolved?.find((r) => r.title === "dhi: Add doc comment");
    expect(entry?.ok, entry?.error ?? "").toBe(true);
    expect(entry?.offered, "the action was not offered in the menu").toBe(true);
    expect(entry?.resolve?.err).toBeNull();
    const edit: WorkspaceEdit | undefined = entry?.resolve?.result?.edit;
    expect(edit, JSON.stringify(entry?.resolve)).toBeDefined();
    // The edit was applied to the buffer by Neovim, and it is a Python docstring.
    expect(entry?.bufferAfter).not.toBe(entry?.bufferBefore);
    expect(entry?.bufferAfter).toContain('"""');
    expect(entry?.bufferAfter).toContain("def add(self, a, b):");
  });

  it("resolves and applies 'dhi: Explain selection' as a comment above the selection", () => {
    const entry = out.resolved?.find((r) => r.title === "dhi: Explain selection");
    expect(entry?.offered, "the action was not offered in the menu").toBe(true);
    expect(entry?.resolve?.err).toBeNull();
    const before = (entry?.bufferBefore ?? "").split("\n");
    const after = (entry?.bufferAfter ?? "").split("\n");
    expect(after.length).toBeGreaterThan(before.length);
    const defAt = after.findIndex((line) => line.includes("def add(self, a, b):"));
    // Python comment lines inserted right above the method, at its indentation.
    expect(after[defAt - 1]).toMatch(/^ {4}#/);
    expect(after.slice(0, defAt).filter((l) => !before.includes(l)).every((l) => /^\s*#/.test(l))).toBe(true);
  });

  it("passes a rewrite instruction with the shipped require('dhi').rewrite() and applies the edit", () => {
    const entry = out.resolved?.find((r) => r.title === "dhi: Rewrite selection");
    expect(entry?.ok, entry?.error ?? "").toBe(true);
    expect(entry?.resolve?.err).toBeNull();
    const resolved = entry?.resolve?.result;
    expect(resolved?.kind).toBe("refactor.rewrite.dhi");
    expect((resolved?.data as { instruction?: string } | undefined)?.instruction).toBe(INSTRUCTION);
    // Versioned, minimal edits against this document; nothing outside the selection's lines is replaced.
    const changes = resolved?.edit?.documentChanges ?? [];
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) {
      if (!("edits" in change)) continue;
      expect(change.textDocument.uri).toMatch(/src\/calc\.py$/);
      for (const edit of change.edits) {
        expect(edit.range.start.line).toBeGreaterThanOrEqual(SELECTION.start.line);
        expect(edit.range.end.line).toBeLessThanOrEqual(SELECTION.end.line + 1);
      }
    }
    expect(entry?.bufferAfter).not.toBe(entry?.bufferBefore);
    expect(entry?.bufferAfter).toContain("def scale(self, value, factor):");
  });
});
