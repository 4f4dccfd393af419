import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CodeAction, Range, ServerCapabilities, WorkspaceEdit } from "vscode-languageserver-protocol";
import {
  EDITOR_CONFIGS,
  EDITOR_TESTS,
  assertBuilt,
  dhiItem,
  editRange,
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
  codeActions?: Record<string, LspReply>;
  codeActionsMs?: number;
  resolved?: ResolvedEntry[];
  shownMessages?: { type: number; message: string }[];
  logMessages?: { type: number; message: string }[];
  error?: string;
}

const PYTHON = [
  "def add(a, b):",
  "    return ",
  "",
  "",
  "def main():",
  "    print(add(1, 2))",
  "",
].join("\n");
// The cursor sits after "return " (0-based line 1, UTF-16 column 11).
const CURSOR = { line: 1, character: 11 };
// The whole `add` function, for code actions.
const SELECTION: Range = { start: { line: 0, character: 0 }, end: { line: 1, character: 11 } };
const RESOLVE_TITLES = ["dhi: Add doc comment"];

const nvim = editorAvailability("nvim", "neovim");

async function runNeovim(): Promise<{ out: NvimOutput; run: ProcessResult }> {
  assertBuilt();
  const home = mkdtempSync(join(tmpdir(), "dhi-nvim-home-"));
  const root = makeWorkspace({ "src/calc.py": PYTHON });
  const outPath = join(home, "out.json");
  const spec = {
    timeoutMs: 30_000,
    completion: CURSOR,
    codeActions: { range: SELECTION, diagnostics: [], resolve: RESOLVE_TITLES },
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

if (!nvim.available && process.env.CI) {
  describe("Neovim (real, headless)", () => {
    it("has nvim installed in CI", () => {
      throw new Error(nvim.reason);
    });
  });
} else if (!nvim.available) {
  describe("Neovim (real, headless)", () => {
    it.skip(`skipped: ${nvim.reason}`, () => undefined);
  });
} else {
  describe("Neovim (real, headless) with editor-configs/neovim/dhi.lua", () => {
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

    it("passes the shipped config's settings without a settings error", () => {
      // init_options and the workspace/configuration answer must both be JSON objects the server accepts.
      const errors = (out.shownMessages ?? []).filter((m) => m.type === 1);
      expect(errors, JSON.stringify(out.shownMessages)).toEqual([]);
      const logged = (out.logMessages ?? []).map((m) => m.message).join("\n");
      expect(logged).not.toMatch(/unknown setting|must be a JSON object/);
    });

    it("gets a completion from dhi through vim.lsp, with the right range", () => {
      expect(out.completionParams?.position).toEqual(CURSOR);
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
      expect(range.start).toEqual(CURSOR);
      expect(range.end.line).toBe(CURSOR.line);
      expect(range.end.character).toBeGreaterThanOrEqual(CURSOR.character);
    });

    // TODO(code actions, issue 6): re-enable once server/lsp wires textDocument/codeAction to server/actions;
    // today the server answers [] to every codeAction request.
    it.skip("lists dhi code actions through vim.lsp without running the model", () => {
      const reply = out.codeActions?.dhi;
      expect(reply?.err).toBeNull();
      const actions = (reply?.result ?? []) as CodeAction[];
      expect(actions.length).toBeGreaterThan(0);
      for (const action of actions) {
        expect(action.title.startsWith("dhi: ")).toBe(true);
        expect(action.edit).toBeUndefined(); // computed lazily in codeAction/resolve
      }
      const kinds = new Set(actions.map((a) => a.kind));
      expect(kinds.has("refactor.rewrite.dhi")).toBe(true);
      expect(kinds.has("source.dhi.doc")).toBe(true);
      expect(kinds.has("refactor.dhi.explain")).toBe(true);
      // No diagnostics in the request, so no quickfix.
      expect(kinds.has("quickfix.dhi")).toBe(false);
    });

    // TODO(code actions, issue 6): re-enable together with the listing test above.
    it.skip("resolves and applies 'dhi: Add doc comment' through vim.lsp.buf.code_action", () => {
      const entry = out.resolved?.find((r) => r.title === "dhi: Add doc comment");
      expect(entry?.ok, entry?.error ?? "").toBe(true);
      expect(entry?.offered, "the action was not offered in the menu").toBe(true);
      expect(entry?.resolve?.err).toBeNull();
      const edit: WorkspaceEdit | undefined = entry?.resolve?.result?.edit;
      expect(edit, JSON.stringify(entry?.resolve)).toBeDefined();
      // The edit was applied to the buffer by Neovim, and it is a Python docstring.
      expect(entry?.bufferAfter).not.toBe(entry?.bufferBefore);
      expect(entry?.bufferAfter).toContain('"""');
      expect(entry?.bufferAfter).toContain("def add(a, b):");
    });
  });
}
