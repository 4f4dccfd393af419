import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { AnnotatedTextEdit, ChangeAnnotation, CreateFile, DeleteFile, Range, TextDocumentEdit, TextEdit, WorkspaceEdit } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { diffText } from "../../text/diff.js";
import type { FileChange, OffsetEdit } from "../../text/fileChange.js";

// Every conversion between the features' plain data (UTF-16 offsets, FileChange) and the protocol's shapes
// (positions, ranges, TextEdits, WorkspaceEdits with change annotations and file create/delete) lives here.

/** A half-open span of UTF-16 offsets. */
export interface OffsetSpan {
  start: number;
  end: number;
}

interface PositionsOf {
  positionAt(offset: number): Range["start"];
  offsetAt(position: Range["start"]): number;
}

export function rangeOf(document: PositionsOf, start: number, end: number): Range {
  return { start: document.positionAt(start), end: document.positionAt(end) };
}

export function spanOf(document: PositionsOf, range: Range): OffsetSpan {
  return { start: document.offsetAt(range.start), end: document.offsetAt(range.end) };
}

/** Each changed file gets one change annotation that needs confirmation (the agent's edits, undo, architecture). */
export interface EditAnnotation {
  /** Passed verification; otherwise every file is labelled UNVERIFIED. */
  verified: boolean;
  /** Shown as each annotation's description. */
  description: string;
  label: string;
}

/**
 * The changes as `documentChanges`: each TextDocumentEdit pinned to the version its `before` was read at (or
 * null), a create as CreateFile plus its text, a delete as DeleteFile. Exact edits stay exact; a change without
 * them becomes one edit per changed run of lines. `root` resolves changes named by a relative path.
 */
export function toWorkspaceEdit(root: string | null, changes: readonly FileChange[], annotation?: EditAnnotation): WorkspaceEdit {
  const documentChanges: Array<TextDocumentEdit | CreateFile | DeleteFile> = [];
  const changeAnnotations: Record<string, ChangeAnnotation> = {};
  for (const change of changes) {
    const uri = change.uri ?? pathToFileURL(root ? join(root, change.path) : change.path).href;
    const annotationId = annotation ? `dhi.agent:${change.path}` : undefined;
    if (annotation && annotationId) changeAnnotations[annotationId] = annotationFor(change, annotation);
    const annotated = annotationId ? { annotationId } : {};
    if (change.kind === "delete") {
      documentChanges.push({ kind: "delete", uri, options: { ignoreIfNotExists: false }, ...annotated });
      continue;
    }
    if (change.kind === "create") documentChanges.push({ kind: "create", uri, options: { overwrite: false, ignoreIfExists: false }, ...annotated });
    const before = change.kind === "create" ? "" : (change.before ?? "");
    const edits: Array<TextEdit | AnnotatedTextEdit> = (change.edits ? exactEdits(uri, before, change.edits) : lineEdits(before, change.after ?? "")).map((e) => ({ ...e, ...annotated }));
    if (edits.length > 0) documentChanges.push({ textDocument: { uri, version: change.version ?? null }, edits });
  }
  return annotation ? { documentChanges, changeAnnotations } : { documentChanges };
}

function annotationFor(change: FileChange, { verified, description, label }: EditAnnotation): ChangeAnnotation {
  const verb = change.kind === "create" ? "create" : change.kind === "delete" ? "delete" : "edit";
  return {
    label: `${label}${verified ? "" : " (UNVERIFIED)"}: ${verb} ${change.path}`,
    description: `${change.protected ? "PROTECTED PATH (named in the instruction). " : ""}${description}`,
    needsConfirmation: true,
  };
}

function exactEdits(uri: string, before: string, edits: readonly OffsetEdit[]): TextEdit[] {
  const base = TextDocument.create(uri, "", 0, before);
  return [...edits].sort((a, b) => a.start - b.start).map((e) => ({ range: rangeOf(base, e.start, e.end), newText: e.newText }));
}

function lineEdits(before: string, after: string): TextEdit[] {
  const { oldLines, newLines, hunks } = diffText(before, after);
  return hunks.map((h) => ({ range: hunkRange(oldLines, h.oldStart, h.oldEnd - h.oldStart), newText: newLines.slice(h.newStart, h.newEnd).join("") }));
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
