import { pathToFileURL } from "node:url";
import { join } from "node:path";
import type { AnnotatedTextEdit, ChangeAnnotation, CreateFile, DeleteFile, Range, TextDocumentEdit, WorkspaceEdit } from "vscode-languageserver-protocol";
import { diffText } from "../text/diff.js";
import type { FileChange } from "./types.js";

// The one place that turns the agent's plain changes into the protocol's WorkspaceEdit shape.
// Only types are imported from vscode-languageserver-protocol: agent/ stays independent of the LSP runtime.

export interface ToWorkspaceEditOptions {
  /** Passed verification; otherwise every file is labelled UNVERIFIED. */
  verified: boolean;
  /** Shown as each annotation's description. */
  description: string;
  /** Defaults to "dhi agent". */
  label?: string;
}

function hunkRange(oldLines: readonly string[], start: number, count: number): Range {
  const end = start + count;
  const last = oldLines[oldLines.length - 1];
  // An edit that reaches an unterminated last line must end at that line's end, not on a line that does not exist.
  if (end === oldLines.length && last !== undefined && !last.endsWith("\n") && count > 0) {
    return { start: { line: start, character: 0 }, end: { line: end - 1, character: last.length } };
  }
  if (count === 0 && start === oldLines.length && last !== undefined && !last.endsWith("\n")) {
    return { start: { line: start - 1, character: last.length }, end: { line: start - 1, character: last.length } };
  }
  return { start: { line: start, character: 0 }, end: { line: end, character: 0 } };
}

/** Edits per file, one change annotation per file with `needsConfirmation: true`; deletions are DeleteFile. */
export function toWorkspaceEdit(root: string, changes: readonly FileChange[], options: ToWorkspaceEditOptions): WorkspaceEdit {
  const documentChanges: Array<TextDocumentEdit | CreateFile | DeleteFile> = [];
  const changeAnnotations: Record<string, ChangeAnnotation> = {};
  const label = options.label ?? "dhi agent";
  for (const change of changes) {
    const uri = pathToFileURL(join(root, change.path)).href;
    const annotationId = `dhi.agent:${change.path}`;
    const verb = change.kind === "create" ? "create" : change.kind === "delete" ? "delete" : "edit";
    changeAnnotations[annotationId] = {
      label: `${label}${options.verified ? "" : " (UNVERIFIED)"}: ${verb} ${change.path}`,
      description: `${change.protected ? "PROTECTED PATH (named in the instruction). " : ""}${options.description}`,
      needsConfirmation: true,
    };
    if (change.kind === "delete") {
      documentChanges.push({ kind: "delete", uri, options: { ignoreIfNotExists: false }, annotationId });
      continue;
    }
    const before = change.kind === "create" ? "" : (change.before ?? "");
    if (change.kind === "create") documentChanges.push({ kind: "create", uri, options: { overwrite: false, ignoreIfExists: false }, annotationId });
    const { oldLines, newLines, hunks } = diffText(before, change.after ?? "");
    const edits: AnnotatedTextEdit[] = hunks.map((h) => ({
      range: hunkRange(oldLines, h.oldStart, h.oldEnd - h.oldStart),
      newText: newLines.slice(h.newStart, h.newEnd).join(""),
      annotationId,
    }));
    if (edits.length > 0) documentChanges.push({ textDocument: { uri, version: change.version ?? null }, edits });
  }
  return { documentChanges, changeAnnotations };
}
