import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";

export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

/** The file access test-layout detection needs; the lsp/ layer overlays open documents on the disk. */
export interface WorkspaceFiles {
  /** The file's text (an open buffer's when there is one), or null when it does not exist. */
  read(path: string): string | null;
  exists(path: string): boolean;
  list(dir: string): DirEntry[];
}

/** Plain disk access. */
export function diskFiles(): WorkspaceFiles {
  return {
    read(path) {
      try {
        return statSync(path).isFile() ? readFileSync(path, "utf8") : null;
      } catch {
        return null;
      }
    },
    exists: (path) => existsSync(path),
    list(dir) {
      try {
        return readdirSync(dir, { withFileTypes: true }).map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
      } catch {
        return [];
      }
    },
  };
}
