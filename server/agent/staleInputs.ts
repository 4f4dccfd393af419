import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { CheckpointStore } from "./checkpoints/CheckpointStore.js";
import { absolutePath, toWorkspacePath } from "./safety/workspacePath.js";
import { editorBuffer } from "./tools/editorBuffers.js";
import { readWorkspaceText } from "./tools/readFile.js";
import type { AgentRequest, FileChange } from "./types.js";

/** Workspace-relative path → digest of its text when the run started (null: missing). */
export type InputDigests = Record<string, string | null>;

function digest(text: string | null): string | null {
  return text === null ? null : createHash("sha256").update(text).digest("hex");
}

/**
 * Digests the files a run was pointed at, as the editor or disk holds them now. Synchronous on purpose: the
 * caller takes it before its first await, so an edit that arrives after the request counts as a change.
 */
export function digestInputs(root: string, paths: readonly string[]): InputDigests {
  const digests: InputDigests = {};
  for (const path of paths) {
    let relative: string;
    try {
      relative = toWorkspacePath(root, path);
    } catch {
      continue; // outside the workspace: the run refuses it by name
    }
    const buffer = editorBuffer(root, relative);
    let text: string | null = buffer?.text ?? null;
    if (!buffer) {
      try {
        text = readFileSync(absolutePath(root, relative), "utf8");
      } catch {
        text = null;
      }
    }
    digests[relative] = digest(text);
  }
  return digests;
}

/**
 * The inputs that changed since the run read them: the files it was pointed at (against `started`) and every
 * file it changes (its `before` must still be the current text). An edit for such a file would lose the user's text.
 */
export async function changedInputs(root: string, started: InputDigests, changes: readonly FileChange[]): Promise<string[]> {
  const changed = new Set<string>();
  for (const [path, before] of Object.entries(started)) {
    if (digest((await readWorkspaceText(root, path))?.text ?? null) !== before) changed.add(path);
  }
  for (const change of changes) {
    if (((await readWorkspaceText(root, change.path))?.text ?? null) !== change.before) changed.add(change.path);
  }
  return [...changed];
}

/** The request a run was started with, to offer running it again. */
export function runRequest(cacheDir: string, runId: string): AgentRequest | null {
  const store = CheckpointStore.open(cacheDir);
  try {
    return store.load(runId)?.request ?? null;
  } finally {
    store.close();
  }
}
