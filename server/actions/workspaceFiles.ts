import { existsSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { isRefusal, readBoundedFile, readWorkspaceText, resolveInside, unsafeWriteReason } from "../util/safeFiles.js";

export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

/** The file access test-layout detection needs; the lsp/ layer overlays open documents on the disk. */
export interface WorkspaceFiles {
  /** The file's text (an open buffer's when there is one), or null when it does not exist or is refused. */
  read(path: string): string | null;
  exists(path: string): boolean;
  list(dir: string): DirEntry[];
  /** Why an edit may not create or change `path` (a link leading out of the workspace), or null. */
  unsafeWrite(path: string): string | null;
}

/**
 * Disk access through the safe reader: inside `root` only (links leading out are refused), regular files only,
 * bounded reads. Without a workspace folder (`root` null), reads are still bounded and regular-only.
 */
export function diskFiles(root: string | null): WorkspaceFiles {
  /** The real path of an existing entry inside the workspace (anywhere without one), else null. */
  const inside = (path: string): string | null => {
    if (root === null) return existsSync(path) ? path : null;
    const real = resolveInside(root, path);
    return isRefusal(real) ? null : real;
  };
  return {
    read(path) {
      if (root !== null) return readWorkspaceText(root, path);
      const result = readBoundedFile(path);
      return isRefusal(result) ? null : result.bytes.toString("utf8");
    },
    exists: (path) => inside(path) !== null,
    list(dir) {
      const real = inside(dir);
      if (real === null) return [];
      try {
        return readdirSync(real, { withFileTypes: true }).map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
      } catch {
        return [];
      }
    },
    unsafeWrite: (path) => unsafeWriteReason(root ?? dirname(path), path),
  };
}
