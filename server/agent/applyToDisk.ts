import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { absolutePath } from "./safety/workspacePath.js";
import type { FileChange } from "./types.js";

/** Writes changes to the workspace (only `dhi agent --apply` does this; the server sends workspace/applyEdit instead). */
export async function applyToDisk(root: string, changes: readonly FileChange[]): Promise<void> {
  for (const change of changes) {
    const file = absolutePath(root, change.path);
    if (change.after === null) await rm(file, { force: true });
    else {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, change.after, "utf8");
    }
  }
}
