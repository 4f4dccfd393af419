import { languageOf } from "../syntax/index.js";
import { errorMessage } from "../util/logger.js";
import { isRefusal, statWorkspaceFile } from "../util/safeFiles.js";
import { examineFile, type FileJob, type FileStat } from "./examineFile.js";
import type { FileRecord, IndexStore } from "./IndexStore.js";
import { prepareFile, type PreparedFile } from "./prepareFile.js";

// The steps one file goes through on its way into the index, shared by bulk updates (BulkUpdate.ts) and the
// single-file paths (open documents, watched files) of WorkspaceIndex.

/** A decided job, with the extraction process's parse when it made one (else it is parsed when written). */
export interface Prepared {
  job: FileJob;
  file: PreparedFile | null;
}

/** Where a file is, what the index knows of it, and how to report a file that is skipped. */
export interface FileContext {
  root: string;
  /** Open documents are indexed from the editor's text: their disk versions are left alone. */
  isOpen: (path: string) => boolean;
  skipped: (path: string, why: string) => void;
}

/** The file's stat when it changed since it was indexed; null when unchanged (or an open document); "gone" when unreadable. */
export async function changedStat(ctx: FileContext, path: string, known: FileRecord | undefined): Promise<FileStat | "gone" | null> {
  if (ctx.isOpen(path)) return null;
  try {
    const info = statWorkspaceFile(ctx.root, path);
    if (isRefusal(info)) {
      ctx.skipped(path, info.message);
      return "gone";
    }
    if (known && known.mtime === info.mtime && known.size === info.size) return null;
    return info;
  } catch (error) {
    ctx.skipped(path, errorMessage(error));
    return "gone";
  }
}

/** examineFile() on this thread; a file that could not be stat'ed is removed from the index. */
export function examineHere(ctx: FileContext, path: string, known: FileRecord | undefined, info: FileStat | "gone", maxFileBytes: number): FileJob | null {
  if (info === "gone") return known ? { kind: "remove", path } : null;
  const { job, problem } = examineFile(ctx.root, path, known, info, maxFileBytes);
  if (problem) ctx.skipped(path, problem);
  return job;
}

/**
 * Applies one job inside the caller's transaction; returns HNSW labels that went away. A disk job for a file
 * that became an open document meanwhile is dropped: the editor's text wins.
 */
export function applyJob(store: IndexStore, { job, file }: Prepared, isOpen: (path: string) => boolean, fromDisk = true): number[] {
  if (fromDisk && job.kind !== "touch" && isOpen(job.path)) return [];
  switch (job.kind) {
    case "remove":
      return store.removeFile(job.path);
    case "touch":
      store.touchFile(job.id, job.mtime, job.size);
      return [];
    case "index":
      return store.writeFile(job.path, job.hash, job.mtime, job.size, file ?? prepareFile(job.text, languageOf(job.path)));
  }
}
