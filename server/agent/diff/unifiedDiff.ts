import type { FileChange } from "../types.js";
import { lineDiff, splitLines } from "./lineDiff.js";

const CONTEXT = 3;

function body(line: string, prefix: string): string {
  return line.endsWith("\n") ? `${prefix}${line}` : `${prefix}${line}\n\\ No newline at end of file\n`;
}

/** A `git diff`-style unified diff of the changes (what `dhi agent` prints without --apply). */
export function unifiedDiff(changes: readonly FileChange[]): string {
  let out = "";
  for (const change of changes) {
    const before = change.before ?? "";
    const after = change.after ?? "";
    const a = splitLines(before);
    out += `diff --git a/${change.path} b/${change.path}\n`;
    if (change.kind === "create") out += "new file mode 100644\n";
    if (change.kind === "delete") out += "deleted file mode 100644\n";
    out += `--- ${change.kind === "create" ? "/dev/null" : `a/${change.path}`}\n+++ ${change.kind === "delete" ? "/dev/null" : `b/${change.path}`}\n`;
    const hunks = lineDiff(before, after);
    // Merge hunks whose context would overlap, as diff(1) does.
    let k = 0;
    while (k < hunks.length) {
      let last = k;
      while (last + 1 < hunks.length) {
        const h = hunks[last] as (typeof hunks)[number];
        const next = hunks[last + 1] as (typeof hunks)[number];
        if (next.oldStart - (h.oldStart + h.oldLines.length) > CONTEXT * 2) break;
        last++;
      }
      const first = hunks[k] as (typeof hunks)[number];
      const end = hunks[last] as (typeof hunks)[number];
      const from = Math.max(0, first.oldStart - CONTEXT);
      const to = Math.min(a.length, end.oldStart + end.oldLines.length + CONTEXT);
      let lines = "";
      let oldCount = 0;
      let newCount = 0;
      let cursor = from;
      for (let h = k; h <= last; h++) {
        const hunk = hunks[h] as (typeof hunks)[number];
        for (; cursor < hunk.oldStart; cursor++, oldCount++, newCount++) lines += body(a[cursor] as string, " ");
        for (const l of hunk.oldLines) (lines += body(l, "-")), oldCount++;
        for (const l of hunk.newLines) (lines += body(l, "+")), newCount++;
        cursor = hunk.oldStart + hunk.oldLines.length;
      }
      for (; cursor < to; cursor++, oldCount++, newCount++) lines += body(a[cursor] as string, " ");
      const newFrom = from + (first.newStart - first.oldStart);
      out += `@@ -${oldCount === 0 ? from : from + 1},${oldCount} +${newCount === 0 ? newFrom : newFrom + 1},${newCount} @@\n${lines}`;
      k = last + 1;
    }
  }
  return out;
}
