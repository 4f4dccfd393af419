import { describe, expect, it } from "vitest";
import { CodeActionService } from "../../server/actions/CodeActionService.js";
import { CUSTOM_KIND } from "../../server/actions/kinds.js";
import type { ActionEnvironment, FileChange, ResolveRequest } from "../../server/actions/types.js";
import { applyEdits } from "../../server/actions/edit/minimalEdits.js";
import { ScriptedEngine } from "../agent/helpers/ScriptedEngine.js";

// Control flow of user-defined actions, with a scripted model (the real server and tiny model run them in
// test/actions/server.test.ts): what reaches the prompt, and the parse gate on "replace" answers.

const PY = "import os\n\n\n# dhi: log the path\ndef where(p):\n    return os.path.abspath(p)\n";
const service = new CodeActionService();

function request(custom: ResolveRequest["custom"], selection = { start: PY.indexOf("def where"), end: PY.length - 1 }): ResolveRequest {
  return { kind: CUSTOM_KIND, document: { uri: "file:///proj/pkg/util.py", path: "/proj/pkg/util.py", languageId: "python", text: PY }, selection, diagnostics: [], root: "/proj", custom };
}

function env(engine: ScriptedEngine): ActionEnvironment {
  return { engine, index: null, files: { read: () => null, exists: () => false, list: () => [], unsafeWrite: () => null }, candidates: 1, signal: new AbortController().signal, onProgress: () => {}, debug: () => {} };
}

const edited = (changes: FileChange[]) => (changes[0]?.kind === "modify" && changes[0].edits ? applyEdits(changes[0].before ?? "", changes[0].edits) : "");

describe("user-defined actions", () => {
  it("fills {selection}, {file}, {language} and {instruction} (from the dhi: comment) into the prompt, once each", async () => {
    const engine = new ScriptedEngine(() => JSON.stringify({ answer: "It returns the **absolute** path." }));
    const plan = await service.resolve(request({ title: "Summarize", prompt: "Summarize {selection} of {file} in {language}; also: {instruction}. Literal {\"a\": 1}", result: "window" }), env(engine));
    const prompt = engine.calls[0]?.prompt ?? "";
    expect(prompt).toContain("Summarize def where(p):\n    return os.path.abspath(p) of pkg/util.py in python; also: log the path. Literal {\"a\": 1}");
    expect(plan.changes).toEqual([]);
    expect(plan.answer).toEqual({ title: "Summarize: pkg/util.py", text: "It returns the **absolute** path.", markdown: "# Summarize: pkg/util.py, lines 5-6\n\nIt returns the **absolute** path.\n" });
  });

  it('"replace": the code block replaces the selection (and the dhi: comment) as a minimal edit; code that does not parse is refused', async () => {
    const good = new ScriptedEngine(() => "```python\ndef where(p):\n    print(p)\n    return os.path.abspath(p)\n```");
    const plan = await service.resolve(request({ title: "Add logging", prompt: "{instruction}: {selection}", result: "replace" }), env(good));
    expect(edited(plan.changes)).toBe("import os\n\n\ndef where(p):\n    print(p)\n    return os.path.abspath(p)\n");
    const broken = new ScriptedEngine(() => "```python\ndef where(p:\n    return (\n```");
    await expect(service.resolve(request({ title: "Add logging", prompt: "{selection}", result: "replace" }), env(broken))).rejects.toThrow(/^dhi: the "Add logging" was rejected because it does not parse/);
  });

  it("resolving an action that left the settings is a clear refusal", async () => {
    await expect(service.resolve(request(undefined), env(new ScriptedEngine(() => "")))).rejects.toThrow(/no longer in the settings/);
  });
});
