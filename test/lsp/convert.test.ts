import { describe, expect, it } from "vitest";
import type { TextDocumentEdit } from "vscode-languageserver-protocol";
import { TextDocument } from "vscode-languageserver-textdocument";
import { rangeOf, spanOf, toWorkspaceEdit } from "../../server/lsp/protocol/convert.js";
import type { FileChange } from "../../server/text/fileChange.js";

// lsp/protocol/convert.ts: the one place plain FileChanges and offsets become protocol shapes.

describe("protocol conversions", () => {
  it("offsets and ranges convert both ways in UTF-16 over CRLF lines", () => {
    const document = TextDocument.create("file:///a.ts", "typescript", 1, "a😀\r\nbc\r\n");
    const range = rangeOf(document, 1, 6);
    expect(range).toEqual({ start: { line: 0, character: 1 }, end: { line: 1, character: 1 } });
    expect(spanOf(document, range)).toEqual({ start: 1, end: 6 });
  });

  it("an action's exact edits stay exact, sorted, on the editor's URI and pinned version; no annotations", () => {
    const before = "one\ntwo\nthree\n";
    const change: FileChange = {
      path: "/ws/a.py",
      uri: "untitled:Untitled-1",
      kind: "modify",
      before,
      after: "ONE\ntwo\nthree!\n",
      edits: [{ start: 13, end: 13, newText: "!" }, { start: 0, end: 3, newText: "ONE" }],
      version: 7,
    };
    const edit = toWorkspaceEdit(null, [change]);
    expect(edit).toEqual({
      documentChanges: [
        {
          textDocument: { uri: "untitled:Untitled-1", version: 7 },
          edits: [
            { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } }, newText: "ONE" },
            { range: { start: { line: 2, character: 5 }, end: { line: 2, character: 5 } }, newText: "!" },
          ],
        },
      ],
    });
  });

  it("a whole-text change becomes line edits under one annotation per file; create and delete are file operations", () => {
    const changes: FileChange[] = [
      { path: "src/a.py", kind: "modify", before: "x = 1\ny = 2", after: "x = 1\ny = 3", protected: true },
      { path: "src/new.py", kind: "create", before: null, after: "z = 0\n" },
      { path: "old.py", kind: "delete", before: "gone\n", after: null },
    ];
    const edit = toWorkspaceEdit("/ws", changes, { verified: false, description: "why", label: "dhi agent" });
    const [modify, create, createText, remove] = edit.documentChanges ?? [];
    // The unterminated last line is replaced up to its end, not to a line that does not exist.
    expect(modify).toEqual({
      textDocument: { uri: "file:///ws/src/a.py", version: null },
      edits: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } }, newText: "y = 3", annotationId: "dhi.agent:src/a.py" }],
    });
    expect(create).toEqual({ kind: "create", uri: "file:///ws/src/new.py", options: { overwrite: false, ignoreIfExists: false }, annotationId: "dhi.agent:src/new.py" });
    expect((createText as TextDocumentEdit).edits).toEqual([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: "z = 0\n", annotationId: "dhi.agent:src/new.py" }]);
    expect(remove).toEqual({ kind: "delete", uri: "file:///ws/old.py", options: { ignoreIfNotExists: false }, annotationId: "dhi.agent:old.py" });
    expect(edit.changeAnnotations?.["dhi.agent:src/a.py"]).toEqual({
      label: "dhi agent (UNVERIFIED): edit src/a.py",
      description: "PROTECTED PATH (named in the instruction). why",
      needsConfirmation: true,
    });
    expect(edit.changeAnnotations?.["dhi.agent:old.py"]?.label).toBe("dhi agent (UNVERIFIED): delete old.py");
  });
});
