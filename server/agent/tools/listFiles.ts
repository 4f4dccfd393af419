import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "../../util/abort.js";
import { isRefusal, resolveInside } from "../../util/safeFiles.js";

// Folders that never hold the user's own source; walking them wastes time and floods LOCATE.
const SKIPPED = new Set([".git", "node_modules", "dist", "build", "out", "target", ".venv", "venv", "__pycache__", ".dhi-cache", "coverage", ".next", ".cache"]);

export interface ListFilesOptions {
  /** Workspace-relative folder; defaults to the root. */
  under?: string;
  /** Defaults to 5000. */
  limit?: number;
  signal?: AbortSignal;
}

/** Lists workspace files (relative "/" paths, sorted), skipping dependency and build folders. */
export async function listFiles(root: string, options: ListFilesOptions = {}): Promise<string[]> {
  const limit = options.limit ?? 5000;
  const out: string[] = [];
  const walk = async (relDir: string): Promise<void> => {
    throwIfAborted(options.signal);
    let entries;
    try {
      entries = await readdir(join(root, relDir), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (out.length >= limit) return;
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) await walk(rel);
      } else if (entry.isFile()) out.push(rel);
    }
  };
  // Links are never followed below the start; the start itself (a folder argument) must stay inside too.
  if (isRefusal(resolveInside(root, options.under ?? "."))) return out;
  await walk(options.under ?? "");
  return out;
}
