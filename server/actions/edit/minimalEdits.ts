import type { OffsetEdit, TextSpan } from "../types.js";
import { diffLines } from "../../text/diff.js";
import { eolOf, splitLinesKeepEol } from "../../text/lines.js";

/**
 * Replaces `region` of `text` (whole lines) by `replacement`, as edits covering only the changed lines.
 * The replacement's line endings follow the document's, and it ends with a line break exactly when the
 * region does, so unchanged lines compare equal and never become edits.
 */
export function minimalLineEdits(text: string, region: TextSpan, replacement: string): OffsetEdit[] {
  const old = text.slice(region.start, region.end);
  const eol = eolOf(text);
  let next = replacement.replace(/\r\n/g, "\n").replace(/\n/g, eol);
  const oldEndsWithEol = old.endsWith("\n");
  if (oldEndsWithEol && next !== "" && !next.endsWith("\n")) next += eol;
  if (!oldEndsWithEol && next.endsWith(eol)) next = next.slice(0, -eol.length);
  const a = splitLinesKeepEol(old);
  const b = splitLinesKeepEol(next);
  const offsets: number[] = [];
  let at = region.start;
  for (const line of a) {
    offsets.push(at);
    at += line.length;
  }
  offsets.push(at);
  return diffLines(a, b).map((h) => ({
    start: offsets[h.oldStart],
    end: offsets[h.oldEnd],
    newText: b.slice(h.newStart, h.newEnd).join(""),
  }));
}

/** Applies non-overlapping edits (any order) to `text`. */
export function applyEdits(text: string, edits: readonly OffsetEdit[]): string {
  const sorted = [...edits].sort((x, y) => x.start - y.start || x.end - y.end);
  let out = "";
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new Error(`overlapping edits at offset ${e.start}`);
    out += text.slice(at, e.start) + e.newText;
    at = e.end;
  }
  return out + text.slice(at);
}
