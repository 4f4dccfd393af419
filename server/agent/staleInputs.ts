import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { CheckpointStore } from "./checkpoints/CheckpointStore.js";
import { absolutePath, toWorkspacePath } from "./safety/workspacePath.js";
import { editorBuffer, openPaths } from "./tools/editorBuffers.js";
import { readWorkspaceText } from "./tools/readFile.js";
import type { AgentRequest, FileChange } from "./types.js";

/** What a run started from: digests (null: missing) of the files it was pointed at and of every open document. */
export interface InputDigests {
  pointedAt: Record<string, string | null>;
  open: Record<string, string | null>;
}

function digest(text: string | null): string | null {
  return text === null ? null : createHash("sha256").update(text).digest("hex");
}

/**
 * Digests the files a run was pointed at and the editor's open documents, as they are now. Synchronous on
 * purpose: the caller takes it before its first await, so an edit that arrives after the request counts.
 */
export function digestInputs(root: string, paths: readonly string[]): InputDigests {
  const open: Record<string, string | null> = {};
  for (const path of openPaths(root)) open[path] = digest(editorBuffer(root, path)?.text ?? null);
  const pointedAt: Record<string, string | null> = {};
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
    pointedAt[relative] = digest(text);
  }
  return { pointedAt, open };
}

/**
 * The inputs that changed since the run started: the files it was pointed at, and every file it changes that was
 * open then (the run read it early, to locate and plan) or whose `before` is no longer its text. An edit for such
 * a file would lose the user's text.
 */
export async function changedInputs(root: string, started: InputDigests, changes: readonly FileChange[]): Promise<string[]> {
  const changed = new Set<string>();
  const current = async (path: string) => (await readWorkspaceText(root, path))?.text ?? null;
  for (const [path, before] of Object.entries(started.pointedAt)) {
    if (digest(await current(path)) !== before) changed.add(path);
  }
  for (const change of changes) {
    const now = await current(change.path);
    const wasOpen = Object.hasOwn(started.open, change.path);
    if (now !== change.before || (wasOpen && digest(now) !== started.open[change.path])) changed.add(change.path);
  }
  return [...changed];
}

/** For a resumed run, whose start is not known: only the changes' `before` texts are checked. */
export const NO_INPUTS: InputDigests = { pointedAt: {}, open: {} };

/** The request a run was started with, to offer running it again. */
export function runRequest(cacheDir: string, runId: string): AgentRequest | null {
  const store = CheckpointStore.open(cacheDir);
  try {
    return store.load(runId)?.request ?? null;
  } finally {
    store.close();
  }
}
