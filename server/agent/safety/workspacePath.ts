import { isAbsolute, relative, resolve, sep } from "node:path";
import { PathOutsideWorkspaceError } from "../errors/PathOutsideWorkspaceError.js";

/**
 * Normalises a path (absolute, or relative to the root) to a workspace-relative "/" path.
 * Throws PathOutsideWorkspaceError for anything that escapes the root: the agent never touches it.
 */
export function toWorkspacePath(root: string, path: string): string {
  const absolute = isAbsolute(path) ? resolve(path) : resolve(root, path);
  const rel = relative(resolve(root), absolute);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) throw new PathOutsideWorkspaceError(path);
  return rel.split(sep).join("/");
}

/** The absolute path of a workspace-relative path, checked again so callers cannot skip the check. */
export function absolutePath(root: string, relativePath: string): string {
  return resolve(root, toWorkspacePath(root, relativePath));
}
