import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  CancellationTokenSource,
  LSPErrorCodes,
  ResponseError,
  TextDocumentEdit,
  type TextEdit,
  type CodeAction,
  type CreateFile,
  type Range,
  type WorkspaceEdit,
} from "vscode-languageserver-protocol";
import { TextDocument } from "vscode-languageserver-textdocument";
import { fileUri, fullCapabilities, TestClient } from "../helpers/lspClient.js";
import { FIM_MODEL } from "../helpers/paths.js";

// Each action resolved through the real server (dhi --stdio) with the shared tiny model. Its text is poor;
// these tests check the mechanics: versioned WorkspaceEdits, minimal ranges, comment syntax, CreateFile,
// the parse-check rejection, version checks and cancellation.

const SETTINGS = { model: { threads: 1, contextSize: 2048 }, index: { enabled: false } };
const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) if (c.child.exitCode === null) c.kill();
});

async function start(files: Record<string, string>, withModel = true, settings: Record<string, unknown> = {}): Promise<{ client: TestClient; root: string }> {
  const root = mkdtempSync(join(tmpdir(), "dhi-actions-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  const client = new TestClient({ env: withModel ? { DHI_MODEL: FIM_MODEL } : {}, configuration: { ...SETTINGS, ...settings } });
  clients.push(client);
  await client.initialize(root);
  return { client, root };
}

function range(text: string, startLine: number, endLine: number): Range {
  const lines = text.split("\n");
  return { start: { line: startLine, character: 0 }, end: { line: endLine, character: lines[endLine]?.length ?? 0 } };
}

async function list(client: TestClient, uri: string, r: Range, context: Record<string, unknown> = {}): Promise<CodeAction[]> {
  return client.connection.sendRequest<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: r, context: { diagnostics: [], ...context } });
}

function resolve(client: TestClient, action: CodeAction, token?: CancellationTokenSource): Promise<CodeAction> {
  // Passing an undefined token would send it as a second positional parameter.
  return token ? client.connection.sendRequest<CodeAction>("codeAction/resolve", action, token.token) : client.connection.sendRequest<CodeAction>("codeAction/resolve", action);
}

function pick(actions: CodeAction[], kind: string): CodeAction {
  const action = actions.find((a) => a.kind === kind);
  if (!action) throw new Error(`no ${kind} action in ${JSON.stringify(actions.map((a) => a.kind))}`);
  return action;
}

/** The TextDocumentEdits of an edit, checked to be well-formed. */
/** A TextDocumentEdit whose edits are plain text edits (dhi never sends snippet edits). */
type PlainDocumentEdit = Omit<TextDocumentEdit, "edits"> & { edits: TextEdit[] };

function textEdits(edit: WorkspaceEdit | undefined): PlainDocumentEdit[] {
  expect(edit?.documentChanges).toBeDefined();
  const out = (edit?.documentChanges ?? []).filter((c): c is TextDocumentEdit => TextDocumentEdit.is(c));
  return out.map((change) => {
    const edits = change.edits.filter((e): e is TextEdit => "newText" in e);
    expect(edits).toHaveLength(change.edits.length);
    for (const e of edits) expect(e.range.start.line <= e.range.end.line, JSON.stringify(e.range)).toBe(true);
    return { ...change, edits };
  });
}

function apply(text: string, change: PlainDocumentEdit): string {
  const doc = TextDocument.create("file:///x", "plaintext", 0, text);
  return TextDocument.applyEdits(doc, change.edits);
}

describe("code actions through the real server", () => {
  it("lists the actions with no model configured, without loading anything", async () => {
    const { client, root } = await start({ "a.py": "x = 1\n" }, false);
    const uri = fileUri(join(root, "a.py"));
    await client.open(uri, "python", "x = 1\n");
    const actions = await list(client, uri, range("x = 1\n", 0, 0), { diagnostics: [{ range: range("x = 1\n", 0, 0), message: "bad x" }] });
    expect(actions.map((a) => a.title)).toEqual(["dhi: Fix bad x", "dhi: Rewrite selection…", "dhi: Explain selection", "dhi: Explain selection in a window", "dhi: Add doc comment", "dhi: Generate tests"]);
    expect(actions.every((a) => a.edit === undefined && (a.data as { version: number }).version === 1), JSON.stringify(actions)).toBe(true);
    expect(client.shownMessages).toEqual([]);
    expect(await client.shutdown()).toBe(0);
  });

  it("rewrite: a minimal edit against the listed version that removes the `dhi:` comment", async () => {
    const text = 'import math\n\n\nclass Calc:\n    # dhi: add type hints\n    def area(self, r):\n        return math.pi * r * r\n\n    def double(self, x):\n        return x * 2\n';
    const { client, root } = await start({ "calc.py": text });
    const uri = fileUri(join(root, "calc.py"));
    await client.open(uri, "python", text, 7);
    const action = pick(await list(client, uri, range(text, 5, 6)), "refactor.rewrite.dhi");
    const resolved = await resolve(client, action);
    const [change] = textEdits(resolved.edit);
    expect(change.textDocument).toEqual({ uri, version: 7 });
    for (const e of change.edits) {
      // Only the comment line and the selected lines may change.
      expect(e.range.start.line).toBeGreaterThanOrEqual(4);
      expect(e.range.end.line).toBeLessThanOrEqual(7);
    }
    const after = apply(text, change);
    expect(after).not.toContain("# dhi: add type hints");
    expect(after.startsWith("import math\n\n\nclass Calc:\n"), after).toBe(true);
    expect(after.endsWith("\n    def double(self, x):\n        return x * 2\n"), after).toBe(true);
    await client.waitFor(() => client.logMessages.some((m) => /speculation promptLookup/.test(m.message)), "the speculation report in debug output");
    expect(await client.shutdown()).toBe(0);
  });

  it('explain: a line comment above the selection in each language\'s syntax, within 80 columns', async () => {
    const py = "def walk(tree):\n    stack = [tree]\n    while stack:\n        node = stack.pop()\n        yield node\n";
    const ts = "export function twice(n: number): number {\n  const doubled = n * 2;\n  return doubled;\n}\n";
    const { client, root } = await start({ "walk.py": py, "twice.ts": ts }, true);
    for (const [name, languageId, text, prefix, line] of [
      ["walk.py", "python", py, "    # ", 1],
      ["twice.ts", "typescript", ts, "  // ", 1],
    ] as const) {
      const uri = fileUri(join(root, name));
      await client.open(uri, languageId, text);
      const resolved = await resolve(client, pick(await list(client, uri, range(text, line, line + 1)), "refactor.dhi.explain"));
      const [change] = textEdits(resolved.edit);
      expect(change.edits).toHaveLength(1);
      expect(change.edits[0].range).toEqual({ start: { line, character: 0 }, end: { line, character: 0 } });
      const inserted = change.edits[0].newText.split("\n").slice(0, -1);
      expect(inserted.length).toBeGreaterThan(0);
      for (const l of inserted) {
        expect(l.startsWith(prefix.trimEnd()), l).toBe(true);
        expect(l.length).toBeLessThanOrEqual(80);
      }
    }
    expect(await client.shutdown()).toBe(0);
  });

  it("doc comment: TSDoc above the declaration and a docstring inside the Python function", async () => {
    const ts = "export function clamp(value: number, low: number, high: number): number {\n  return Math.min(high, Math.max(low, value));\n}\n";
    const py = "def mean(values, default=0):\n    if not values:\n        return default\n    return sum(values) / len(values)\n";
    const { client, root } = await start({ "clamp.ts": ts, "stats.py": py });
    const tsUri = fileUri(join(root, "clamp.ts"));
    await client.open(tsUri, "typescript", ts);
    const tsEdit = textEdits((await resolve(client, pick(await list(client, tsUri, range(ts, 1, 1)), "source.dhi.doc"))).edit)[0];
    expect(apply(ts, tsEdit)).toMatch(/^\/\*\*\n( \*.*\n)+ \*\/\nexport function clamp/);
    expect(tsEdit.edits[0].newText).toContain("@param value");
    const pyUri = fileUri(join(root, "stats.py"));
    await client.open(pyUri, "python", py);
    const pyEdit = textEdits((await resolve(client, pick(await list(client, pyUri, range(py, 1, 1)), "source.dhi.doc"))).edit)[0];
    expect(apply(py, pyEdit)).toMatch(/^def mean\(values, default=0\):\n    """[\s\S]*"""\n    if not values:/);
    expect(await client.shutdown()).toBe(0);
  });

  it("tests: a new test file through CreateFile plus its text", async () => {
    const py = "def add(a, b):\n    return a + b\n";
    const { client, root } = await start({ "calc.py": py, "pyproject.toml": "[tool.pytest.ini_options]\n" });
    const uri = fileUri(join(root, "calc.py"));
    await client.open(uri, "python", py);
    const resolved = await resolve(client, pick(await list(client, uri, range(py, 0, 1)), "source.dhi.tests"));
    const changes = resolved.edit?.documentChanges ?? [];
    const testUri = fileUri(join(root, "test_calc.py"));
    expect(changes[0]).toEqual({ kind: "create", uri: testUri, options: { overwrite: false, ignoreIfExists: false } } satisfies CreateFile);
    const [fill] = textEdits(resolved.edit);
    expect(fill.textDocument).toEqual({ uri: testUri, version: null });
    expect(fill.edits[0].newText.startsWith("from calc import add\n"), fill.edits[0].newText).toBe(true);
    expect(await client.shutdown()).toBe(0);
  });

  it("rejects an edit that does not parse, after one retry, with a clear dhi: error", async () => {
    const go = "package mathx\n\nfunc Min(a, b int) int {\n\tif a < b {\n\t\treturn a\n\t}\n\treturn b\n}\n";
    const { client, root } = await start({ "min.go": go });
    const uri = fileUri(join(root, "min.go"));
    await client.open(uri, "go", go);
    const action = pick(await list(client, uri, range(go, 3, 6), { instruction: "simplify" }), "refactor.rewrite.dhi");
    const error = await resolve(client, action).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect((error as ResponseError<void>).message).toMatch(/^dhi: the rewrite was rejected because it does not parse, even after a retry with the parser's errors: min\.go line \d+/);
    await client.waitFor(() => client.logMessages.some((m) => /retrying after a parse error/.test(m.message)), "the retry in the debug log");
    expect(await client.shutdown()).toBe(0);
  });

  it("rejects a resolve for a document that changed since listing", async () => {
    const py = "x = 1\n";
    const { client, root } = await start({ "a.py": py });
    const uri = fileUri(join(root, "a.py"));
    await client.open(uri, "python", py);
    const action = pick(await list(client, uri, range(py, 0, 0)), "refactor.rewrite.dhi");
    await client.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: "x = 2\n" }] });
    const error = (await resolve(client, action).then(() => null, (e: unknown) => e)) as ResponseError<void>;
    expect(error.code).toBe(LSPErrorCodes.ContentModified);
    expect(error.message).toMatch(/^dhi: the document changed since the code action was listed/);
    expect(await client.shutdown()).toBe(0);
  });

  it("honours $/cancelRequest during resolve", async () => {
    const body = Array.from({ length: 120 }, (_, i) => `    total += values[${i}] * ${i}`).join("\n");
    const py = `def weighted(values):\n    total = 0\n${body}\n    return total\n`;
    const { client, root } = await start({ "w.py": py });
    const uri = fileUri(join(root, "w.py"));
    await client.open(uri, "python", py);
    const action = pick(await list(client, uri, range(py, 1, 121), { instruction: "use a loop" }), "refactor.rewrite.dhi");
    const source = new CancellationTokenSource();
    const pending = resolve(client, action, source);
    await client.waitFor(() => client.progress.length > 0, "resolve progress");
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    source.cancel();
    const error = (await pending.then(() => null, (e: unknown) => e)) as ResponseError<void>;
    expect(error?.code).toBe(LSPErrorCodes.RequestCancelled);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await client.shutdown()).toBe(0);
  });
});

describe("answers in a window and user-defined actions", () => {
  type ShowArgs = { id: string; message?: string };
  const execute = (client: TestClient, command: string, args: unknown) => client.connection.sendRequest<{ shown: string; uri?: string }>("workspace/executeCommand", { command, arguments: [args] });

  /** Resolves the action and checks it carries the show-answer command instead of an edit. */
  async function answerOf(client: TestClient, action: CodeAction): Promise<ShowArgs> {
    const resolved = await resolve(client, action);
    expect(resolved.edit).toBeUndefined();
    expect(resolved.command?.command).toBe("dhi.actions.showAnswer");
    return resolved.command?.arguments?.[0] as ShowArgs;
  }

  it("explain in a window: the answer opens in a window, as a markdown file in the cache or a message, and the source is untouched", async () => {
    const py = "def walk(tree):\n    stack = [tree]\n    while stack:\n        node = stack.pop()\n        yield node\n";
    const { client, root } = await start({ "walk.py": py });
    const uri = fileUri(join(root, "walk.py"));
    await client.open(uri, "python", py);
    const args = await answerOf(client, pick(await list(client, uri, range(py, 1, 2)), "refactor.dhi.explain.window"));
    // A long answer opens as a document (showDocument); the short-answer path sends a message instead.
    const shown = await execute(client, "dhi.actions.showAnswer", args);
    if (args.message !== undefined) {
      expect(shown).toEqual({ shown: "message" });
      expect(args.message).toMatch(/^Explanation: walk\.py, lines 2-3: ./);
      await client.waitFor(() => client.shownMessages.some((m) => m.message === args.message), "the short answer as a message");
    }
    const opened = await execute(client, "dhi.actions.showAnswer", { id: args.id });
    expect(opened.shown).toBe("document");
    expect(client.shownDocuments).toEqual([opened.uri]);
    const path = fileURLToPath(opened.uri ?? "");
    expect(path.startsWith(join(client.cacheDir, "answers")), path).toBe(true);
    expect(readFileSync(path, "utf8")).toMatch(/^# Explanation: walk\.py, lines 2-3\n\n[\s\S]+\n\n```py\n    stack = \[tree\]\n    while stack:\n```\n$/);
    expect(readFileSync(join(root, "walk.py"), "utf8")).toBe(py);
    // Only answer files can be opened.
    const bad = await execute(client, "dhi.actions.showAnswer", { id: "../../etc/passwd" }).then(() => null, (e: unknown) => e);
    expect((bad as ResponseError<void>).message).toMatch(/is not an answer id/);
    expect(await client.shutdown()).toBe(0);
  });

  it("a client without window/showDocument gets the answer as a message", async () => {
    const py = "def walk(tree):\n    stack = [tree]\n    return stack\n";
    const root = mkdtempSync(join(tmpdir(), "dhi-actions-"));
    writeFileSync(join(root, "walk.py"), py);
    const client = new TestClient({ env: { DHI_MODEL: FIM_MODEL }, configuration: SETTINGS });
    clients.push(client);
    const capabilities = fullCapabilities();
    delete capabilities.window?.showDocument;
    await client.initialize(root, capabilities);
    const uri = fileUri(join(root, "walk.py"));
    await client.open(uri, "python", py);
    const args = await answerOf(client, pick(await list(client, uri, range(py, 1, 2)), "refactor.dhi.explain.window"));
    expect(await execute(client, "dhi.actions.showAnswer", { id: args.id })).toEqual({ shown: "message" });
    await client.waitFor(() => client.shownMessages.some((m) => m.message.startsWith("# Explanation: walk.py")), "the answer as a message");
    expect(client.shownDocuments).toEqual([]);
    expect(await client.shutdown()).toBe(0);
  });

  it("user actions from the settings: listed after the built-in five without the model, resolved lazily into a window or a verified edit; an unknown placeholder is a settings error", async () => {
    const custom = [
      { title: "Summarize", prompt: "Summarize {selection} from {file} ({language}). {instruction}" },
      { title: "Add logging", prompt: "Add a print call to {selection}", result: "replace" },
      { title: "Broken", prompt: "Do {nope} to {selection}" },
    ];
    const py = "import math\n\n\ndef area(r):\n    return math.pi * r * r\n";
    const { client, root } = await start({ "calc.py": py }, true, { actions: { custom } });
    const uri = fileUri(join(root, "calc.py"));
    await client.open(uri, "python", py);
    // The settings arrive through workspace/configuration; their one error names the placeholder.
    await client.waitFor(() => client.shownMessages.some((m) => m.message.includes("{nope}")), "the placeholder error");
    const error = client.shownMessages.find((m) => m.message.includes("{nope}"));
    expect(error?.message).toMatch(/^dhi: setting "actions\.custom\.2\.prompt" is invalid: unknown placeholder \{nope\}.*ignoring that entry$/);
    const actions = await list(client, uri, range(py, 3, 4));
    expect(actions.map((a) => a.title)).toEqual(["dhi: Rewrite selection…", "dhi: Explain selection", "dhi: Explain selection in a window", "dhi: Add doc comment", "dhi: Generate tests", "dhi: Summarize", "dhi: Add logging"]);
    expect(actions.slice(-2).every((a) => a.kind === "refactor.dhi.custom" && a.edit === undefined), JSON.stringify(actions.slice(-2))).toBe(true);
    expect((await list(client, uri, range(py, 3, 4), { only: ["refactor.dhi.custom"] })).map((a) => a.title)).toEqual(["dhi: Summarize", "dhi: Add logging"]);
    expect(client.progress).toEqual([]);

    const args = await answerOf(client, actions[5]);
    const opened = await execute(client, "dhi.actions.showAnswer", { id: args.id });
    expect(readFileSync(fileURLToPath(opened.uri ?? ""), "utf8")).toMatch(/^# Summarize: calc\.py, lines 4-5\n\n./);

    const replaced = await resolve(client, actions[6]).then((a) => a, (e: unknown) => e as ResponseError<void>);
    if (replaced instanceof ResponseError) {
      // The tiny model may fail the parse gate: then the rejection names the action, as for a rewrite.
      expect(replaced.message).toMatch(/^dhi: the "Add logging" was rejected/);
    } else {
      const [change] = textEdits(replaced.edit);
      expect(change.textDocument).toEqual({ uri, version: 1 });
      for (const e of change.edits) expect(e.range.start.line).toBeGreaterThanOrEqual(3);
      expect(apply(py, change).startsWith("import math\n\n\n"), apply(py, change)).toBe(true);
    }
    // Removed from the settings since listing: a clear error, no crash.
    client.configuration = { ...SETTINGS, actions: { custom: [] } };
    await client.connection.sendNotification("workspace/didChangeConfiguration", { settings: null });
    await new Promise((r) => setTimeout(r, 300));
    const stale = (await resolve(client, actions[5]).then(() => null, (e: unknown) => e)) as ResponseError<void>;
    expect(stale.message).toMatch(/no longer in the settings/);
    expect(await client.shutdown()).toBe(0);
  });

  it("the agent as a code action (Helix): a `dhi:` comment at the cursor is the instruction; resolve runs the agent and returns its edit", async () => {
    const js = "// dhi: fix the bug in add so the tests pass\nexport function add(a, b) {\n  return a - b;\n}\n";
    const { client, root } = await start({ "src/math.js": js, "package.json": '{"name":"f","type":"module","scripts":{"test":"node --test"}}\n' }, true, {
      sandbox: { backend: "none" },
      agent: { maxIterations: 1, candidates: 1 },
    });
    const uri = fileUri(join(root, "src/math.js"));
    await client.open(uri, "javascript", js);
    // Nothing offered without a comment at the cursor.
    expect((await list(client, uri, range(js, 2, 2))).some((a) => a.kind === "source.dhi.agent")).toBe(false);
    const cursor = { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } };
    const action = pick(await list(client, uri, cursor), "source.dhi.agent");
    expect(action.title).toBe("dhi: Run agent: fix the bug in add so the tests pass");
    expect(action.edit).toBeUndefined();
    const resolved = await resolve(client, action);
    expect(resolved.edit?.documentChanges).toBeInstanceOf(Array);
    await client.waitFor(() => client.logMessages.some((m) => /agent run [0-9a-f-]+ \(code action\): /.test(m.message)), "the agent run in the log");
    expect(await client.shutdown()).toBe(0);
  });
});
