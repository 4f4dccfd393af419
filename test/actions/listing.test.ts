import { describe, expect, it } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { CodeActionParams, Range } from "vscode-languageserver-protocol";
import { CodeActionService } from "../../server/actions/CodeActionService.js";
import { dhiInstruction } from "../../server/actions/regions.js";
import type { ListRequest } from "../../server/actions/types.js";
import { provideCodeActions } from "../../server/lsp/codeActionHandlers.js";
import { Workspace } from "../../server/workspace/Workspace.js";
import { Logger } from "../../server/util/logger.js";

const service = new CodeActionService();

function request(path: string, languageId: string, extra: Partial<ListRequest> = {}): ListRequest {
  return { document: { uri: `file://${path}`, path, languageId, text: "x = 1\ny = 2\n" }, selection: { start: 0, end: 5 }, diagnostics: [], ...extra };
}

const kinds = (r: ListRequest) => service.list(r).map((o) => o.kind);

describe("listing", () => {
  it("offers rewrite, explain, doc and tests for a language with a test layout, and no fix without diagnostics", () => {
    expect(kinds(request("/p/a.py", "python"))).toEqual(["refactor.rewrite.dhi", "refactor.dhi.explain", "refactor.dhi.explain.window", "source.dhi.doc", "source.dhi.tests"]);
    expect(service.list(request("/p/a.py", "python")).map((o) => o.title)).toEqual([
      "dhi: Rewrite selection…",
      "dhi: Explain selection",
      "dhi: Explain selection in a window",
      "dhi: Add doc comment",
      "dhi: Generate tests",
    ]);
  });

  it("offers tests only for languages with a known test layout, and doc comments only for known languages", () => {
    expect(kinds(request("/p/a.c", "c"))).not.toContain("source.dhi.tests");
    expect(kinds(request("/p/a.c", "c"))).toContain("source.dhi.doc");
    expect(kinds(request("/p/a.go", "go"))).toContain("source.dhi.tests");
    expect(kinds(request("/p/notes.md", "markdown"))).toEqual(["refactor.rewrite.dhi", "refactor.dhi.explain", "refactor.dhi.explain.window"]);
  });

  it("offers one quickfix per diagnostic overlapping the range, titled with its message", () => {
    const diagnostics = [
      { start: 2, end: 3, message: "Undefined name `x`\nmore detail" },
      { start: 6, end: 7, message: "far away" },
    ];
    const offers = service.list(request("/p/a.py", "python", { diagnostics }));
    expect(offers.filter((o) => o.kind === "quickfix.dhi").map((o) => o.title)).toEqual(["dhi: Fix Undefined name `x`"]);
    expect(offers[0].diagnostics).toEqual([diagnostics[0]]);
  });

  it("honours `only` hierarchically", () => {
    const diagnostics = [{ start: 0, end: 1, message: "bad" }];
    expect(kinds(request("/p/a.ts", "typescript", { only: ["quickfix"], diagnostics }))).toEqual(["quickfix.dhi"]);
    expect(kinds(request("/p/a.ts", "typescript", { only: ["refactor"] }))).toEqual(["refactor.rewrite.dhi", "refactor.dhi.explain", "refactor.dhi.explain.window"]);
    expect(kinds(request("/p/a.ts", "typescript", { only: ["source.dhi.tests"] }))).toEqual(["source.dhi.tests"]);
    expect(kinds(request("/p/a.ts", "typescript", { only: ["source.organizeImports"] }))).toEqual([]);
  });

  // Its speed is bench:large-document's (codeAction requests on a 20 MB document); a timed assertion here would
  // fail on a loaded CI machine. What makes it fast is kept below: no model, no whole-text read.
  it("lists through the LSP layer with data for resolve, loading no model", () => {
    const workspace = new Workspace(null, new Logger("error"), {});
    const text = "def f(a):\n    return a + b\n".repeat(400);
    const document = TextDocument.create("file:///p/big.py", "python", 3, text);
    const params: CodeActionParams = {
      textDocument: { uri: document.uri },
      range: { start: { line: 1, character: 4 }, end: { line: 1, character: 16 } },
      context: { diagnostics: [{ range: { start: { line: 1, character: 15 }, end: { line: 1, character: 16 } }, message: 'Undefined name "b"' }] },
    };
    const actions = provideCodeActions(params, document, workspace);
    expect(actions.map((a) => a.title)).toContain('dhi: Fix Undefined name "b"');
    expect(actions.every((a) => a.edit === undefined), JSON.stringify(actions)).toBe(true);
    expect(actions[0].data).toEqual({
      dhi: true,
      kind: "quickfix.dhi",
      uri: document.uri,
      version: 3,
      range: params.range,
      diagnostics: [{ range: params.context.diagnostics[0].range, message: 'Undefined name "b"' }],
    });
    expect(workspace.engine.loaded).toBe(false);
  });

  it("lists from the lines at the selection: the whole text is never read (a 20 MB document is not flattened per cursor move)", () => {
    const workspace = new Workspace(null, new Logger("error"), {});
    const text = `${"x = 1\n".repeat(1000)}# dhi: make the loop a comprehension\nfor i in range(3):\n    out.append(i)\n${"y = 2\n".repeat(1000)}`;
    const document = TextDocument.create("file:///p/big.py", "python", 1, text);
    const wholeReads: number[] = [];
    const getText = document.getText.bind(document);
    Object.assign(document, { getText: (range?: Range) => (range ? getText(range) : (wholeReads.push(1), getText())) });
    const params: CodeActionParams = { textDocument: { uri: document.uri }, range: { start: { line: 1001, character: 0 }, end: { line: 1002, character: 17 } }, context: { diagnostics: [] } };
    const actions = provideCodeActions(params, document, workspace);
    expect(actions.map((a) => a.title)).toContain("dhi: Run agent: make the loop a comprehension");
    expect(actions.map((a) => a.title)).toContain("dhi: Rewrite selection…");
    // The comment on the selection's own first line counts too; elsewhere there is none.
    const onIt = provideCodeActions({ ...params, range: { start: { line: 1000, character: 3 }, end: { line: 1000, character: 3 } } }, document, workspace);
    expect(onIt.map((a) => a.title)).toContain("dhi: Run agent: make the loop a comprehension");
    const away = provideCodeActions({ ...params, range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } } }, document, workspace);
    expect(away.some((a) => a.kind === "source.dhi.agent")).toBe(false);
    expect(wholeReads).toEqual([]);
  });

  it("reads a dhi: comment in each comment syntax; a repository line built to make a matcher backtrack costs nothing", () => {
    expect(dhiInstruction("// dhi: use let")).toBe("use let");
    expect(dhiInstruction("  # dhi:  sort these  ")).toBe("sort these");
    expect(dhiInstruction("-- dhi: rename\r")).toBe("rename");
    expect(dhiInstruction("/* dhi: add a check */")).toBe("add a check");
    expect(dhiInstruction(" * dhi: keep it short*/")).toBe("keep it short");
    expect(dhiInstruction("// dhi:   ")).toBeNull();
    expect(dhiInstruction("/* dhi: */")).toBeNull();
    expect(dhiInstruction("const dhi = 1; // dhi: not at the start")).toBeNull();
    // The earlier one-regex matcher backtracked cubically here (a second at 2,000 spaces, minutes at 9,000), on the
    // server's thread at every code-action listing: vitest fails a test that ran past its timeout.
    const spaces = " ".repeat(9_000);
    expect(dhiInstruction(`// dhi: a${spaces}x`)).toBe(`a${spaces}x`);
    expect(dhiInstruction(`// dhi: a${spaces}`)).toBe("a");
    expect(dhiInstruction(`// dhi: ${"y".repeat(20_000)}`)).toBeNull(); // no instruction is that long
  }, 30_000);

  it("carries an editor-supplied instruction (context.instruction) into the rewrite's data", () => {
    const workspace = new Workspace(null, new Logger("error"), {});
    const document = TextDocument.create("file:///p/a.ts", "typescript", 1, "const a = 1;\n");
    const params = {
      textDocument: { uri: document.uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 12 } },
      context: { diagnostics: [], only: ["refactor.rewrite"], instruction: "use let" },
    } as CodeActionParams;
    const [action] = provideCodeActions(params, document, workspace);
    expect(action.data).toMatchObject({ kind: "refactor.rewrite.dhi", instruction: "use let" });
  });
});
