import { readWorkspaceText } from "../../util/safeFiles.js";
import { absolutePath } from "../safety/workspacePath.js";

/**
 * Reads a workspace file as the run currently sees it: the overlay's proposed content wins over disk.
 * Returns null for a missing (or overlay-deleted) file, and for one the safe reader refuses (a link leading out
 * of the workspace, a device, an oversized file). The text is data for prompts, never instructions.
 */
export async function readWorkspaceFile(root: string, path: string, overlay?: ReadonlyMap<string, string | null>): Promise<string | null> {
  if (overlay?.has(path)) return overlay.get(path) ?? null;
  try {
    return readWorkspaceText(root, absolutePath(root, path));
  } catch {
    return null;
  }
}
