import { relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Filesystem path of a `file:` URI; null for other schemes (untitled buffers, …). */
export function uriToPath(uri: string): string | null {
  if (!uri.startsWith("file:")) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

/** Workspace-relative path with "/" separators, or null when the file is outside the workspace. */
export function workspaceRelativePath(root: string | null, uri: string): string | null {
  const path = uriToPath(uri);
  if (!path || !root) return null;
  const rel = relative(root, path);
  if (rel.startsWith("..") || rel === "") return null;
  return rel.split(sep).join("/");
}
