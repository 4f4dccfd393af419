import { editPermission } from "../safety/protectedPaths.js";
import { unsafeWriteReason } from "../../util/safeFiles.js";
import { toWorkspacePath } from "../safety/workspacePath.js";
import type { FileChange } from "../types.js";

// The create/write/delete tools. They only record proposed changes: nothing is written to disk here.
// Every path goes through the workspace and protected-path gates first.

export interface ChangeGate {
  root: string;
  instruction: string;
  protectedPaths: readonly string[];
}

export type ChangeResult = { ok: true; change: FileChange } | { ok: false; reason: string };

function gate(context: ChangeGate, path: string): { path: string; protected: boolean } | { reason: string } {
  let rel: string;
  try {
    rel = toWorkspacePath(context.root, path);
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
  // The path is inside as text; its real path (through links) must be too, or the editor would write outside.
  const unsafe = unsafeWriteReason(context.root, rel);
  if (unsafe) return { reason: unsafe };
  const permission = editPermission(rel, context.instruction, context.protectedPaths);
  return permission.allowed ? { path: rel, protected: permission.protected } : { reason: permission.reason };
}

/** Proposes new content for an existing file. */
export function writeFile(context: ChangeGate, path: string, before: string, after: string): ChangeResult {
  const g = gate(context, path);
  if ("reason" in g) return { ok: false, reason: g.reason };
  return { ok: true, change: { path: g.path, kind: "modify", before, after, protected: g.protected } };
}

/** Proposes a new file. */
export function createFile(context: ChangeGate, path: string, content: string): ChangeResult {
  const g = gate(context, path);
  if ("reason" in g) return { ok: false, reason: g.reason };
  return { ok: true, change: { path: g.path, kind: "create", before: null, after: content, protected: g.protected } };
}

/** Proposes a deletion; `before` is kept so undo can recreate the file. */
export function deleteFile(context: ChangeGate, path: string, before: string): ChangeResult {
  const g = gate(context, path);
  if ("reason" in g) return { ok: false, reason: g.reason };
  return { ok: true, change: { path: g.path, kind: "delete", before, after: null, protected: g.protected } };
}

/** The overlay the sandbox applies to its copy of the project. */
export function toOverlay(changes: readonly FileChange[]): Map<string, string | null> {
  return new Map(changes.map((c) => [c.path, c.after]));
}
