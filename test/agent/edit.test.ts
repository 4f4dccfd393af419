import { describe, expect, it } from "vitest";
import { diffText, unifiedDiff } from "../../server/text/diff.js";
import { pathsInInstruction, fileLineMentions } from "../../server/agent/tools/projectFiles.js";
import { testCounts } from "../../server/agent/tools/testCounts.js";
import { toWorkspaceEdit } from "../../server/lsp/protocol/convert.js";
import type { FileChange } from "../../server/agent/types.js";

/** Applies a WorkspaceEdit's text edits to `text` the way a client would (0-based lines, UTF-16 columns). */
function applyEdits(text: string, edits: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }>): string {
  const offsetAt = (p: { line: number; character: number }) => {
    const lines = text.split("\n");
    let offset = 0;
    for (let i = 0; i < p.line && i < lines.length; i++) offset += (lines[i] as string).length + 1;
    return Math.min(text.length, offset + p.character);
  };
  const sorted = [...edits].sort((a, b) => offsetAt(b.range.start) - offsetAt(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offsetAt(e.range.start)) + e.newText + out.slice(offsetAt(e.range.end));
  return out;
}

describe("changes → WorkspaceEdit and unified diff", () => {
  const cases: Array<[string, string]> = [
    ["a\nb\nc\n", "a\nB\nc\n"],
    ["a\nb\nc", "a\nb\nc\nd"],
    ["a\nb\nc", "a\nb"],
    ["", "x\ny\n"],
    ["one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n", "one\n2\nthree\nfour\nfive\nsix\nseven\neight\n9\nten\n"],
    ["é😀\nb\n", "é😀!\nb\n"],
  ];
  it.each(cases)("round-trips %j → %j through the edit", (before, after) => {
    const change: FileChange = { path: "src/a.js", kind: "modify", before, after, protected: false };
    const edit = toWorkspaceEdit("/ws", [change], { verified: true, description: "d", label: "dhi agent" });
    const doc = edit.documentChanges?.[0] as { edits: Parameters<typeof applyEdits>[1] };
    expect(applyEdits(before, doc.edits)).toBe(after);
    expect(diffText(before, after).hunks.length).toBeGreaterThan(0);
  });

  it("creates and deletes files with annotations that need confirmation", () => {
    const edit = toWorkspaceEdit(
      "/ws",
      [
        { path: "new.js", kind: "create", before: null, after: "x\n", protected: false },
        { path: "old.js", kind: "delete", before: "y\n", after: null, protected: false },
      ],
      { verified: false, description: "d", label: "dhi agent" },
    );
    expect(edit.documentChanges?.map((c) => ("kind" in c ? c.kind : "edit"))).toEqual(["create", "edit", "delete"]);
    expect(Object.values(edit.changeAnnotations ?? {}).every((a) => a.needsConfirmation && a.label.includes("UNVERIFIED")), JSON.stringify(Object.values(edit.changeAnnotations ?? {}))).toBe(true);
  });

  it("prints a git-style unified diff", () => {
    const diff = unifiedDiff([{ path: "src/a.js", before: "a\nb\nc\n", after: "a\nB\nc\n" }]);
    expect(diff).toBe("diff --git a/src/a.js b/src/a.js\n--- a/src/a.js\n+++ b/src/a.js\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  });

  it("reads test counts and failure locations from runner output", () => {
    expect(testCounts("# tests 2\n# pass 1\n# fail 1\n", 1)).toEqual({ passed: 1, failed: 1 });
    expect(testCounts("===== 3 passed, 1 failed in 0.1s =====", 1)).toEqual({ passed: 3, failed: 1 });
    expect(testCounts("weird output", 0)).toEqual({ passed: 1, failed: 0 });
    const files = new Set(["src/math.js", "test/math.test.js"]);
    expect(fileLineMentions("at add (file:///work/src/math.js:2:10)\n  test/math.test.js:5:3", files)).toEqual([
      { path: "src/math.js", line: 2 },
      { path: "test/math.test.js", line: 5 },
    ]);
    expect(pathsInInstruction("set DEBUG=1 in .env and fix src/a.ts.")).toEqual([".env", "src/a.ts"]);
  });
});
