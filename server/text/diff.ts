import { diffArrays, formatPatch, structuredPatch, type StructuredPatch } from "diff";
import { splitLinesKeepEol } from "./lines.js";

// Line diffs and unified diffs, on jsdiff: actions' minimal edits, the agent's WorkspaceEdits and the CLI's
// patch output all come from here.

/** Old lines [oldStart, oldEnd) replaced by new lines [newStart, newEnd) (0-based line indices). */
export interface Hunk {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

// Beyond this many edits one whole hunk is cheaper than the search, and as correct.
const MAX_EDIT_LENGTH = 20_000;

/**
 * The changed hunks between two line arrays (compared exactly). Common prefix and suffix are trimmed first,
 * so a small edit in a big file costs almost nothing.
 */
export function diffLines(a: readonly string[], b: readonly string[]): Hunk[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const x = a.slice(prefix, a.length - suffix);
  const y = b.slice(prefix, b.length - suffix);
  if (x.length === 0 && y.length === 0) return [];
  const whole: Hunk = { oldStart: prefix, oldEnd: prefix + x.length, newStart: prefix, newEnd: prefix + y.length };
  if (x.length === 0 || y.length === 0) return [whole];
  const changes = diffArrays(x, y, { maxEditLength: MAX_EDIT_LENGTH });
  if (!changes) return [whole];
  const hunks: Hunk[] = [];
  let i = prefix;
  let j = prefix;
  let open: Hunk | null = null;
  for (const change of changes) {
    const count = change.value.length;
    if (!change.added && !change.removed) {
      if (open) hunks.push(open);
      open = null;
      i += count;
      j += count;
      continue;
    }
    open ??= { oldStart: i, oldEnd: i, newStart: j, newEnd: j };
    if (change.removed) open.oldEnd = i += count;
    else open.newEnd = j += count;
  }
  if (open) hunks.push(open);
  return hunks;
}

/** The hunks that turn `before` into `after`, over lines with their terminators (see splitLinesKeepEol). */
export function diffText(before: string, after: string): { oldLines: string[]; newLines: string[]; hunks: Hunk[] } {
  const oldLines = splitLinesKeepEol(before);
  const newLines = splitLinesKeepEol(after);
  return { oldLines, newLines, hunks: diffLines(oldLines, newLines) };
}

/** One file's change for a unified diff; `before` null for a new file, `after` null for a deleted one. */
export interface PatchInput {
  path: string;
  before: string | null;
  after: string | null;
}

const CONTEXT_LINES = 3;

/** A `git diff`-style unified diff (`diff --git` headers, 3 lines of context). */
export function unifiedDiff(files: readonly PatchInput[]): string {
  const patches: StructuredPatch[] = files.map((file) => {
    const patch = structuredPatch(
      file.before === null ? "/dev/null" : `a/${file.path}`,
      file.after === null ? "/dev/null" : `b/${file.path}`,
      file.before ?? "",
      file.after ?? "",
      undefined,
      undefined,
      { context: CONTEXT_LINES },
    );
    return {
      ...patch,
      isGit: true,
      isCreate: file.before === null,
      isDelete: file.after === null,
      ...(file.before === null ? { newMode: "100644" } : {}),
      ...(file.after === null ? { oldMode: "100644" } : {}),
    };
  });
  return patches.length === 0 ? "" : formatPatch(patches);
}
