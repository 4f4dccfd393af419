import { unifiedDiff } from "../text/diff.js";
import type { FileChange } from "./types.js";

/** A run's changes as a `git diff`-style patch: what `dhi agent` prints and what editors preview. */
export function changesPatch(changes: readonly FileChange[]): string {
  return unifiedDiff(
    changes.map((c) => ({
      path: c.path,
      before: c.kind === "create" ? null : (c.before ?? ""),
      after: c.kind === "delete" ? null : (c.after ?? ""),
    })),
  );
}
