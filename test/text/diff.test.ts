import { applyPatch, parsePatch } from "diff";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffLines, diffText, unifiedDiff } from "../../server/text/diff.js";

/** Rebuilds `b` from `a` and the hunks, the way an editor applies edits. */
function applyHunks(a: readonly string[], b: readonly string[], hunks: ReturnType<typeof diffLines>): string[] {
  const out: string[] = [];
  let i = 0;
  for (const h of hunks) {
    out.push(...a.slice(i, h.oldStart), ...b.slice(h.newStart, h.newEnd));
    i = h.oldEnd;
  }
  return [...out, ...a.slice(i)];
}

const lines = fc.array(fc.constantFrom("a\n", "b\n", "c\n", "  d\n", "é😀\n", "x"), { maxLength: 30 });

describe("text/diff", () => {
  it("hunks turn any line array into any other, and touch no equal line pair", () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const hunks = diffLines(a, b);
        expect(applyHunks(a, b, hunks)).toEqual(b);
        for (let k = 1; k < hunks.length; k++) expect(hunks[k].oldStart).toBeGreaterThan(hunks[k - 1].oldEnd - 1);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it("finds only the changed lines in a big file", () => {
    const a = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`);
    const b = [...a];
    b[2500] = "changed\n";
    expect(diffLines(a, b)).toEqual([{ oldStart: 2500, oldEnd: 2501, newStart: 2500, newEnd: 2501 }]);
  });

  it("prints unified diffs that apply back to the new text", () => {
    const text = fc.array(fc.constantFrom("a\n", "b\n", "c\n", "d\n", "e"), { maxLength: 20 }).map((l) => l.join(""));
    fc.assert(
      fc.property(text, text, (before, after) => {
        const patch = unifiedDiff([{ path: "f.txt", before, after }]);
        if (before === after) return;
        expect(applyPatch(before, parsePatch(patch)[0])).toBe(after);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it("marks new and deleted files as git does", () => {
    expect(unifiedDiff([{ path: "n.py", before: null, after: "x\n" }])).toBe(
      "diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n@@ -0,0 +1,1 @@\n+x\n",
    );
    expect(unifiedDiff([{ path: "o.py", before: "y\n", after: null }])).toBe(
      "diff --git a/o.py b/o.py\ndeleted file mode 100644\n--- a/o.py\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-y\n",
    );
  });

  it("diffText keeps line terminators, so joined hunks rebuild the text exactly", () => {
    const { newLines, hunks } = diffText("a\r\nb\r\n", "a\r\nB\r\n");
    expect(hunks).toEqual([{ oldStart: 1, oldEnd: 2, newStart: 1, newEnd: 2 }]);
    expect(newLines[1]).toBe("B\r\n");
  });
});
