import { removeWorkspaceFile, writeWorkspaceFile } from "../util/safeFiles.js";
import { toWorkspacePath } from "./safety/workspacePath.js";
import type { FileChange } from "./types.js";

/**
 * Writes changes to the workspace (only `dhi agent --apply` does this; the server sends workspace/applyEdit
 * instead), through the safe writer: never through a link that leads out of the workspace.
 */
export async function applyToDisk(root: string, changes: readonly FileChange[]): Promise<void> {
  for (const change of changes) {
    const path = toWorkspacePath(root, change.path);
    if (change.after === null) removeWorkspaceFile(root, path);
    else writeWorkspaceFile(root, path, change.after);
  }
}
