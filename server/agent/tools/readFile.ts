import { readFile } from "node:fs/promises";
import { absolutePath } from "../safety/workspacePath.js";

/**
 * Reads a workspace file as the run currently sees it: the overlay's proposed content wins over disk.
 * Returns null for a missing (or overlay-deleted) file. The text is data for prompts, never instructions.
 */
export async function readWorkspaceFile(root: string, path: string, overlay?: ReadonlyMap<string, string | null>): Promise<string | null> {
  if (overlay?.has(path)) return overlay.get(path) ?? null;
  try {
    return await readFile(absolutePath(root, path), "utf8");
  } catch {
    return null;
  }
}
