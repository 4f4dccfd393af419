import { describe, expect, it } from "vitest";
import type { TextDocumentEdit } from "vscode-languageserver-protocol";
import { startRun } from "../../server/agent/runAgent.js";
import { changedInputs, digestInputs, NO_INPUTS } from "../../server/agent/staleInputs.js";
import type { FileChange } from "../../server/agent/types.js";
import { registerEditorBuffers, type EditorBuffer } from "../../server/agent/tools/editorBuffers.js";
import { toRunResult } from "../../server/lsp/agentRunResult.js";
import { markApplied, undoRun } from "../../server/agent/undoRun.js";
import { testDeps } from "./helpers/agentDeps.js";
import { FIXED_ADD, makeProject, ONE_BUG_PROJECT } from "./helpers/fixtures.js";
import { fenced, pickSteps, ScriptedEngine } from "./helpers/ScriptedEngine.js";

// Control flow of "no lost edits" with the scripted model (the server-level tests are in test/lsp/noLostEdits.test.ts).

// The user's unsaved text: two comments the disk copy does not have, one above add and one inside it.
const UNSAVED = `// unsaved line typed in the editor\n${(ONE_BUG_PROJECT["src/math.js"] ?? "").replace("{\n", "{\n  // unsaved note in add\n")}`;

function fixAdd(): ScriptedEngine {
  return new ScriptedEngine((call) => {
    if (call.kind === "intent") return '{"intent":"fix"}';
    if (call.kind === "plan") return pickSteps(call.prompt, ["add"]);
    return fenced(FIXED_ADD);
  });
}

describe("the agent reads open documents from the editor", () => {
  it("computes its edit against the unsaved buffer and pins the buffer's version", async () => {
    const root = makeProject(ONE_BUG_PROJECT);
    const buffers = new Map<string, EditorBuffer>([["src/math.js", { text: UNSAVED, version: 7 }]]);
    const unregister = registerEditorBuffers(root, { get: (path) => buffers.get(path), paths: () => [...buffers.keys()] });
    try {
      const engine = fixAdd();
      const outcome = await startRun(testDeps({ root, engine, sandbox: null }), { instruction: "fix add", paths: ["src/math.js"] });
      const change = outcome.changes.find((c) => c.path === "src/math.js");
      expect(change?.before).toBe(UNSAVED);
      expect(change?.version).toBe(7);
      expect(change?.after).toContain("// unsaved line typed in the editor");
      expect(engine.calls.some((c) => c.prompt.includes("unsaved note in add")), JSON.stringify(engine.calls)).toBe(true);

      const edit = toRunResult(root, outcome).edit.documentChanges?.find((c): c is TextDocumentEdit => "textDocument" in c);
      expect(edit?.textDocument.version).toBe(7);
      // The hunk lines are those of the buffer (shifted by the unsaved first line), not of the disk copy.
      expect(edit?.edits[0]?.range.start.line).toBe(2);

      // The run's inputs did not change: nothing is reported. Then the user types: the file is named.
      expect(await changedInputs(root, digestInputs(root, ["src/math.js"]), outcome.changes)).toEqual([]);
      const started = digestInputs(root, ["src/math.js"]);
      buffers.set("src/math.js", { text: `${UNSAVED}// more\n`, version: 8 });
      expect(await changedInputs(root, started, [])).toEqual(["src/math.js"]);
      expect(await changedInputs(root, NO_INPUTS, outcome.changes)).toEqual(["src/math.js"]);

      // A file open when the run started, changed before the run composed its edit (so `before` is the new
      // text): still a changed input, because the run located and planned on the old text.
      const openAtStart = digestInputs(root, []);
      const typed = { text: `${UNSAVED}// typed mid-run\n`, version: 9 };
      buffers.set("src/math.js", typed);
      expect(await changedInputs(root, openAtStart, [{ ...(change as FileChange), before: typed.text }])).toEqual(["src/math.js"]);

    } finally {
      unregister();
    }
  });

  it("undo reads the buffer: pins its version, and refuses by name once the user typed after the apply", async () => {
    const root = makeProject(ONE_BUG_PROJECT);
    const buffers = new Map<string, EditorBuffer>();
    const unregister = registerEditorBuffers(root, { get: (path) => buffers.get(path), paths: () => [...buffers.keys()] });
    try {
      const deps = testDeps({ root, engine: fixAdd(), sandbox: null });
      const outcome = await startRun(deps, { instruction: "fix add", paths: ["src/math.js"] });
      const written = outcome.changes[0]?.after ?? "";
      markApplied(deps.cacheDir, outcome.runId, true);

      // Applied in the editor but not saved: disk still holds the old text, the buffer the run's.
      buffers.set("src/math.js", { text: written, version: 4 });
      const reverts = await undoRun(root, deps.cacheDir, outcome.runId);
      expect(reverts).toEqual([expect.objectContaining({ path: "src/math.js", before: written, after: ONE_BUG_PROJECT["src/math.js"], version: 4 })]);

      buffers.set("src/math.js", { text: `${written}// typed after the apply\n`, version: 5 });
      await expect(undoRun(root, deps.cacheDir, outcome.runId)).rejects.toThrow(/cannot undo run ".*": src\/math\.js does not hold the run's edit: not applied, or changed in the editor since \(now at version 5\)/);
    } finally {
      unregister();
    }
  });
});
