import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
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
  pathWithoutDhi,
} from "./editorHarness.js";
import { REPO_ROOT } from "../helpers/paths.js";

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
  answer?: { name: string; text: string; windows: number } | null;
  answerMessage?: string | null;
}
interface AgentPreview {
  name: string;
  lines: string[];
  filetype: string;
  shownInWindow: boolean;
  keys: Record<"a" | "d" | "q", string | null>;
}
interface AgentOutput {
  notifications: { message: string; level: number | null }[];
  preview: AgentPreview | null;
  runId: string | null;
  discarded?: boolean;
  appliedClosed: boolean;
  fileAfterApply: string | null;
  resumed?: AgentPreview | null;
}
interface NvimOutput {
  nvimVersion: string;
  attached: boolean;
  serverExited?: boolean;
  filetype: string;
  clientName?: string;
  cmd?: string[];
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
  agent?: AgentOutput;
  keys?: { defaults: Record<string, string | null>; custom: Record<string, string | null>; calls: string[]; configKeys: Record<string, string | false> };
  error?: string;
}

// The `add` method, for code actions.
const SELECTION: Range = { start: { line: 1, character: 0 }, end: { line: 2, character: 15 } };
const INSTRUCTION = "use the sum builtin";
// Resolved one after another through vim.lsp.buf.code_action (the buffer is restored in between). "Generate tests"
// is left to the server's own tests: with the tiny model it takes tens of seconds and is (rightly) rejected.
const RESOLVE = [
  { title: "dhi: Add doc comment" },
  { title: "dhi: Explain selection in a window", answer: true },
  { title: "dhi: Rewrite selection", instruction: INSTRUCTION },
];

const nvim = editorAvailability("nvim", "neovim");
// The statusline recipe documented in dhi.lua.
const STATUSLINE = "%f %=%{v:lua.require'dhi'.status()} ";

// :DhiAgent! runs the real agent; the preview's apply key is then tried on this given edit (the tiny model proposes none).
const AGENT = {
  instruction: "fix the bug in add",
  edit: { range: { start: { line: 2, character: 15 }, end: { line: 2, character: 15 } }, newText: "a + b" },
  diff: "--- a/src/calc.py\n+++ b/src/calc.py\n@@ -3 +3 @@\n-        return \n+        return a + b\n",
};
// Ghost-text keys: the defaults, then setup()-style overrides (next turned off).
const KEYS = { lhs: ["<Tab>", "<M-]>", "<M-[>", "<C-l>", "<C-n>"], custom: { accept: "<C-l>", next: false, previous: "<C-n>" }, suggestionShown: true };

async function runNeovim(): Promise<{ out: NvimOutput; run: ProcessResult }> {
  assertBuilt();
  const home = mkdtempSync(join(tmpdir(), "dhi-nvim-home-"));
  const root = makeWorkspace({ "src/calc.py": PYTHON_FIXTURE });
  const outPath = join(home, "out.json");
  const spec = {
    timeoutMs: 30_000,
    completion: { positions: PYTHON_CURSORS },
    codeActions: { range: SELECTION, diagnostics: [], resolve: RESOLVE },
    agent: AGENT,
    keys: KEYS,
    status: { statusline: STATUSLINE },
  };
  const run = await runProcess(
    nvim.available ? nvim.path : "nvim",
    ["--headless", "-u", join(EDITOR_CONFIGS, "neovim/test-init.lua"), "src/calc.py", "-c", `luafile ${join(EDITOR_TESTS, "nvim-driver.lua")}`],
    { cwd: root, timeoutMs: 150_000, env: editorEnv(home, { DHI_TEST_OUT: outPath, DHI_TEST_SPEC: JSON.stringify(spec), DHI_SANDBOX: "none" }) },
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
  }, 160_000);

  it("attaches dhi to a Python buffer with the shipped config and negotiates capabilities", () => {
    expect(out.filetype).toBe("python");
    expect(out.clientName).toBe("dhi");
    // The shipped default: `dhi` from PATH (the installed package in CI), started in a workspace outside the clone.
    expect(out.cmd).toEqual(["dhi", "--stdio"]);
    expect(out.rootDir?.startsWith(REPO_ROOT)).toBe(false);
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
    expect(result?.isIncomplete, JSON.stringify(result)).toBe(true);
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
      expect(action.title.startsWith("dhi: "), action.title).toBe(true);
      expect(action.edit).toBeUndefined(); // computed lazily in codeAction/resolve
    }
    expect(out.codeActionsMs ?? Infinity).toBeLessThan(1000);
    const kinds = new Set(actions.map((a) => a.kind));
    expect(kinds.has("refactor.rewrite.dhi"), JSON.stringify([...kinds])).toBe(true);
    expect(kinds.has("source.dhi.doc"), JSON.stringify([...kinds])).toBe(true);
    expect(kinds.has("refactor.dhi.explain"), JSON.stringify([...kinds])).toBe(true);
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

  it("'dhi: Explain selection in a window' opens its answer in a split window (window/showDocument), leaving the source untouched", () => {
    const entry = out.resolved?.find((r) => r.title === "dhi: Explain selection in a window");
    expect(entry?.offered, "the action was not offered in the menu").toBe(true);
    expect(entry?.resolve?.err).toBeNull();
    expect(entry?.resolve?.result?.edit).toBeUndefined();
    expect(entry?.resolve?.result?.command?.command).toBe("dhi.actions.showAnswer");
    expect(entry?.bufferAfter).toBe(entry?.bufferBefore);
    if (entry?.answerMessage) {
      // A short answer (the tiny model's usually is) goes to window/showMessage, which Neovim shows.
      expect(entry.answerMessage).toMatch(/^Explanation: src\/calc\.py, lines 2-3: ./);
      expect(out.shownMessages?.some((m) => m.message === entry.answerMessage), JSON.stringify(out.shownMessages)).toBe(true);
      return;
    }
    expect(entry?.answer, JSON.stringify(entry)).toBeTruthy();
    expect(entry?.answer?.name).toMatch(/\/answers\/[0-9a-f]{16}\.md$/);
    expect(entry?.answer?.text).toMatch(/^# Explanation: src\/calc\.py, lines 2-3\n/);
    expect(entry?.answer?.windows).toBe(1);
  });

  it(":DhiAgent! opens the run's diff in a scratch buffer with apply and discard keys; d discards", () => {
    const agent = out.agent;
    expect(agent?.preview, JSON.stringify(agent)).toBeTruthy();
    expect(agent?.preview?.name).toMatch(/^dhi:\/\/agent\/[0-9a-f-]+\.diff$/);
    expect(agent?.preview?.filetype).toBe("diff");
    expect(agent?.preview?.shownInWindow, JSON.stringify(agent?.preview)).toBe(true);
    expect(agent?.preview?.lines[0]).toMatch(new RegExp(`^# dhi agent run ${agent?.runId} \\((verified|UNVERIFIED)\\)$`));
    expect(agent?.preview?.lines[2]).toBe("# a: apply   d or q: discard   :DhiAgentUndo reverts an applied run");
    expect(agent?.preview?.keys).toEqual({ a: "dhi: apply the agent's edit", d: "dhi: discard the agent's edit", q: "dhi: discard the agent's edit" });
    expect(agent?.discarded, JSON.stringify(agent)).toBe(true);
  });

  it("the preview's a key applies the edit and writes the file", () => {
    expect(out.agent?.appliedClosed, JSON.stringify(out.agent)).toBe(true);
    expect(out.agent?.fileAfterApply).toContain("    def add(self, a, b):\n        return a + b\n");
  });

  it(":DhiAgentUndo and :DhiAgentResume reach the server for the run", () => {
    const messages = (out.agent?.notifications ?? []).map((n) => n.message);
    expect(messages.some((m) => m === `dhi agent: reverted run ${out.agent?.runId}` || /^dhi agent: dhi: .*run/.test(m)), JSON.stringify(messages)).toBe(true);
    // Resume of a finished run returns its outcome: the same preview again.
    expect(out.agent?.resumed?.name).toBe(out.agent?.preview?.name);
  });

  it("maps the documented ghost-text keys (accept <Tab>, next <M-]>, previous <M-[>), changeable in setup()", () => {
    const keys = out.keys;
    expect(keys?.configKeys).toEqual({ accept: "<Tab>", next: "<M-]>", previous: "<M-[>" });
    expect(keys?.defaults).toMatchObject({ "<Tab>": "dhi: accept the suggestion", "<M-]>": "dhi: next suggestion", "<M-[>": "dhi: previous suggestion" });
    expect(keys?.custom).toMatchObject({ "<C-l>": "dhi: accept the suggestion", "<C-n>": "dhi: previous suggestion", "<M-]>": null, "<Tab>": null });
    expect(keys?.calls).toEqual(["get", "select 1", "select -1", "get", "select -1"]);
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

describeWithEditor("Neovim without dhi on PATH", nvim, () => {
  it("says once, with vim.notify, that dhi is missing and how to install it", async () => {
    const home = mkdtempSync(join(tmpdir(), "dhi-nvim-home-"));
    const root = makeWorkspace({ "a.py": "x = 1\n", "b.py": "y = 2\n" });
    const outPath = join(home, "notified.json");
    // Record vim.notify before the config loads; open two Python buffers, so the check runs twice.
    const record = "lua _G.notified = {}; vim.notify = function(msg, level) table.insert(_G.notified, { msg = msg, level = level }) end";
    const run = await runProcess(
      nvim.available ? nvim.path : "nvim",
      ["--headless", "--cmd", record, "-u", join(EDITOR_CONFIGS, "neovim/test-init.lua"), "a.py", "-c", "edit b.py", "-c", `lua vim.fn.writefile({ vim.fn.json_encode(_G.notified) }, '${outPath}')`, "-c", "qa!"],
      { cwd: root, timeoutMs: 30_000, env: { ...editorEnv(home, {}), PATH: pathWithoutDhi() } },
    );
    const notified = JSON.parse(readFileSync(outPath, "utf8") || "[]") as Array<{ msg: string; level: number }>;
    expect(notified, run.stderr).toHaveLength(1);
    expect(notified[0]?.msg).toContain("`dhi` command is not on PATH");
    expect(notified[0]?.msg).toContain("npm install -g dhi-lsp");
  }, 40_000);
});
