import { describe, expect, it } from "vitest";
import { extractCode, hasClosedFence } from "../../server/text/fences.js";
import { indentUnit, reindent } from "../../server/text/indentation.js";
import { diffLines } from "../../server/text/diff.js";
import { applyEdits, minimalLineEdits } from "../../server/actions/edit/minimalEdits.js";

describe("line differ", () => {
  it("finds only the changed hunks", () => {
    expect(diffLines(["a", "b", "c", "d"], ["a", "B", "c", "d"])).toEqual([{ oldStart: 1, oldEnd: 2, newStart: 1, newEnd: 2 }]);
    expect(diffLines(["a", "b"], ["a", "x", "b"])).toEqual([{ oldStart: 1, oldEnd: 1, newStart: 1, newEnd: 2 }]);
    expect(diffLines(["a", "x", "b"], ["a", "b"])).toEqual([{ oldStart: 1, oldEnd: 2, newStart: 1, newEnd: 1 }]);
    expect(diffLines([], ["a"])).toEqual([{ oldStart: 0, oldEnd: 0, newStart: 0, newEnd: 1 }]);
    expect(diffLines(["a", "b", "c", "d", "e"], ["x", "b", "c", "d", "y"])).toEqual([
      { oldStart: 0, oldEnd: 1, newStart: 0, newEnd: 1 },
      { oldStart: 4, oldEnd: 5, newStart: 4, newEnd: 5 },
    ]);
  });

  it("always reproduces the target when its hunks are applied (randomised)", () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 300; round++) {
      const a = Array.from({ length: rand(12) }, () => "abcd"[rand(4)]);
      const b = Array.from({ length: rand(12) }, () => "abcd"[rand(4)]);
      const out: string[] = [];
      let i = 0;
      for (const h of diffLines(a, b)) {
        out.push(...a.slice(i, h.oldStart), ...b.slice(h.newStart, h.newEnd));
        i = h.oldEnd;
      }
      out.push(...a.slice(i));
      expect(out).toEqual(b);
    }
  });
});

describe("minimal line edits", () => {
  const text = "line 1\nline 2\nline 3\nline 4\nline 5\n";

  it("turns a one-line change in a region into a one-line edit", () => {
    const region = { start: 0, end: text.length };
    const edits = minimalLineEdits(text, region, "line 1\nline 2\nLINE 3\nline 4\nline 5\n");
    expect(edits).toEqual([{ start: 14, end: 21, newText: "LINE 3\n" }]);
    expect(applyEdits(text, edits)).toBe("line 1\nline 2\nLINE 3\nline 4\nline 5\n");
  });

  it("keeps the document's CRLF line endings and the region's trailing line break", () => {
    const crlf = "a\r\nb\r\nc\r\n";
    const edits = minimalLineEdits(crlf, { start: 0, end: crlf.length }, "a\nB\nc");
    expect(edits).toEqual([{ start: 3, end: 6, newText: "B\r\n" }]);
    expect(applyEdits(crlf, edits)).toBe("a\r\nB\r\nc\r\n");
  });

  it("handles a last line without a line break", () => {
    const noEol = "a\nb";
    const edits = minimalLineEdits(noEol, { start: 0, end: noEol.length }, "a\nb\nc\n");
    expect(applyEdits(noEol, edits)).toBe("a\nb\nc");
  });

  it("returns no edits for an identical answer", () => {
    expect(minimalLineEdits(text, { start: 7, end: 21 }, "line 2\nline 3")).toEqual([]);
  });
});

describe("code extraction", () => {
  it("takes the block tagged with the language when there are several", () => {
    const answer = "Here you go:\n```text\nnot this\n```\nand\n```python\nx = 1\n```\nDone.";
    expect(extractCode(answer, ["python", "py"])).toEqual({ code: "x = 1", from: "fence" });
  });

  it("takes a fence cut off by the token limit", () => {
    expect(extractCode("```ts\nconst a = 1;\nconst b", ["ts"])).toEqual({ code: "const a = 1;\nconst b", from: "unclosedFence" });
  });

  it("reads JSON answers and drops <think> blocks and chatter lines", () => {
    expect(extractCode('{"code": "a()\\nb()"}')).toEqual({ code: "a()\nb()", from: "json" });
    expect(extractCode("<think>hmm</think>\nHere is the rewritten code:\nfoo()\n")).toEqual({ code: "foo()", from: "raw" });
  });

  it("returns null for empty or whitespace answers", () => {
    expect(extractCode("")).toBeNull();
    expect(extractCode("\n\n   \n")).toBeNull();
    expect(extractCode("```py\n\n```")).toBeNull();
  });

  it("knows when a fenced answer is complete", () => {
    expect(hasClosedFence("```py\nx = 1\n")).toBe(false);
    expect(hasClosedFence("```py\nx = 1\n```")).toBe(true);
  });
});

describe("indentation", () => {
  it("detects the file's unit", () => {
    expect(indentUnit("a {\n  b {\n    c\n  }\n}\n")).toBe("  ");
    expect(indentUnit("a {\n\tb\n\t\tc\n}\n")).toBe("\t");
    expect(indentUnit("def f():\n    return 1\n")).toBe("    ");
  });

  it("re-indents a dedented answer under the region's base, converting the unit", () => {
    const code = "if x:\n    y()\n    if z:\n        w()";
    expect(reindent(code, { baseIndent: "\t", unit: "\t" })).toBe("\tif x:\n\t\ty()\n\t\tif z:\n\t\t\tw()");
    expect(reindent(code, { baseIndent: "    ", unit: "  " })).toBe("    if x:\n      y()\n      if z:\n        w()");
  });

  it("repairs answers that dropped only the first line's indent", () => {
    const original = ["    def f(self):", "        return 1"];
    const code = "def f(self):\n        return 2";
    expect(reindent(code, { baseIndent: "    ", unit: "    ", originalLines: original })).toBe("    def f(self):\n        return 2");
  });
});
