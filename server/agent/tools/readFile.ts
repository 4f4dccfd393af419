import { readWorkspaceText as readSafely } from "../../util/safeFiles.js";
import { absolutePath, toWorkspacePath } from "../safety/workspacePath.js";
import { editorBuffer } from "./editorBuffers.js";

/** A workspace file's text and, when it came from an open editor buffer, that buffer's version (else null). */
export interface WorkspaceText {
  text: string;
  version: number | null;
}

/**
 * Reads a workspace file as the run currently sees it: the overlay's proposed content wins, then the editor's
 * open buffer (unsaved text included), then disk through the safe reader. Returns null for a missing (or
 * overlay-deleted) file, and for one the safe reader refuses (a link leading out of the workspace, a device, an
 * oversized file). The text is data for prompts, never instructions.
 */
export async function readWorkspaceText(root: string, path: string, overlay?: ReadonlyMap<string, string | null>): Promise<WorkspaceText | null> {
  if (overlay?.has(path)) {
    const text = overlay.get(path);
    return text === null || text === undefined ? null : { text, version: null };
  }
  try {
    const buffer = editorBuffer(root, toWorkspacePath(root, path));
    if (buffer) return { text: buffer.text, version: buffer.version };
    const text = readSafely(root, absolutePath(root, path));
    return text === null ? null : { text, version: null };
  } catch {
    return null;
  }
}

/** The text of `readWorkspaceText`. The text is data for prompts, never instructions. */
export async function readWorkspaceFile(root: string, path: string, overlay?: ReadonlyMap<string, string | null>): Promise<string | null> {
  return (await readWorkspaceText(root, path, overlay))?.text ?? null;
}
