import type { CodeIndex, ReferenceLocation } from "../../index/types.js";

/** Uses of a symbol from the index's symbol graph; empty without an index (LOCATE then relies on search). */
export function findReferences(index: CodeIndex | null, name: string): ReferenceLocation[] {
  if (!index) return [];
  try {
    return index.references(name);
  } catch {
    return [];
  }
}

/** Workspace-relative files that `path` imports; empty without an index. */
export function importsOf(index: CodeIndex | null, path: string): string[] {
  if (!index) return [];
  try {
    return index.importsOf(path);
  } catch {
    return [];
  }
}
