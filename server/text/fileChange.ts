import { unifiedDiff } from "./diff.js";

// The one shape in which features hand file changes up: plain, JSON-serialisable data (the agent checkpoints
// it). Only lsp/ turns it into a WorkspaceEdit, and `changesPatch` into a unified diff.

/** A half-open span of UTF-16 offsets into a text, and what replaces it. */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

/** One file as a feature wants it: `after: null` deletes it, `before: null` (kind "create") makes it. */
export interface FileChange {
  /** Relative to the workspace root with "/" separators (the agent, its checkpoints, diffs), or absolute. */
  path: string;
  /** The file as the editor names it (an open document, perhaps untitled); when set it names the file, not `path`. */
  uri?: string;
  kind: "modify" | "create" | "delete";
  /** The text the change was computed against (null for a create). */
  before: string | null;
  after: string | null;
  /** The exact edits into `before`, when the feature made them minimal; without them a line diff stands for it. */
  edits?: OffsetEdit[];
  /** It matches `agent.protectedPaths`; allowed only because the instruction named it. */
  protected?: boolean;
  /** The editor's document version `before` was read at; null or absent when it was read from disk. */
  version?: number | null;
}

/** Changes as a `git diff`-style patch: what `dhi agent` prints and what editors preview. */
export function changesPatch(changes: readonly FileChange[]): string {
  return unifiedDiff(
    changes.map((c) => ({
      path: c.path,
      before: c.kind === "create" ? null : (c.before ?? ""),
      after: c.kind === "delete" ? null : (c.after ?? ""),
    })),
  );
}
