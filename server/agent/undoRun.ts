import { CheckpointStore } from "./checkpoints/CheckpointStore.js";
import { RunNotFoundError } from "./errors/RunNotFoundError.js";
import { UndoConflictError } from "./errors/UndoConflictError.js";
import { readWorkspaceText } from "./tools/readFile.js";
import type { FileChange } from "./types.js";

/**
 * `dhi.agent.undo`: the changes that revert a run's edit. Each file must still hold exactly what the run
 * wrote (so an unapplied run, or a file edited since, is refused rather than clobbered).
 */
export async function undoRun(root: string, cacheDir: string, runId: string): Promise<FileChange[]> {
  const store = CheckpointStore.open(cacheDir);
  let changes: FileChange[];
  try {
    const snapshot = store.load(runId);
    if (!snapshot) throw new RunNotFoundError(runId);
    if (!snapshot.outcome) throw new UndoConflictError(runId, "(run)", "has not completed, so it has no edit to undo");
    changes = snapshot.outcome.changes;
  } finally {
    store.close();
  }
  const reverts: FileChange[] = [];
  for (const change of [...changes].reverse()) {
    // The editor's open buffer counts, unsaved text included: undo never overwrites what the user typed since.
    const read = await readWorkspaceText(root, change.path);
    const current = read?.text ?? null;
    const version = read?.version ?? null;
    if (current !== change.after) {
      throw new UndoConflictError(runId, change.path, current === null ? "no longer exists" : change.after === null ? "exists again" : version !== null ? `does not hold the run's edit: not applied, or changed in the editor since (now at version ${version})` : "does not hold the run's version (not applied, or edited since)");
    }
    if (change.kind === "create") reverts.push({ path: change.path, kind: "delete", before: change.after, after: null, protected: change.protected, version });
    else if (change.kind === "delete") reverts.push({ path: change.path, kind: "create", before: null, after: change.before, protected: change.protected });
    else reverts.push({ path: change.path, kind: "modify", before: change.after, after: change.before, protected: change.protected, version });
  }
  return reverts;
}

/** Records whether a run's edit was applied (by workspace/applyEdit or `dhi agent --apply`). */
export function markApplied(cacheDir: string, runId: string, applied: boolean): void {
  const store = CheckpointStore.open(cacheDir);
  try {
    store.markApplied(runId, applied);
  } finally {
    store.close();
  }
}
