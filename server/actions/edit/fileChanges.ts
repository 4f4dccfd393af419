import { fileURLToPath } from "node:url";
import type { FileChange, OffsetEdit } from "../../text/fileChange.js";
import { applyEdits } from "./minimalEdits.js";

// Actions change files the editor names by URI (perhaps untitled): the change carries that URI as it is.

/** The file's path for people (diffs, logs): the filesystem path of a file: URI, else the URI itself. */
function pathOf(uri: string): string {
  try {
    return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
  } catch {
    return uri;
  }
}

/** Exact edits to the file at `uri`, whose offsets are into `before` (the text they were computed against). */
export function editFile(uri: string, before: string, edits: OffsetEdit[]): FileChange {
  return { path: pathOf(uri), uri, kind: "modify", before, after: applyEdits(before, edits), edits };
}

/** A new file with its whole text. */
export function createFile(uri: string, text: string): FileChange {
  return { path: pathOf(uri), uri, kind: "create", before: null, after: text };
}
