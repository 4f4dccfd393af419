import { createHash } from "node:crypto";
import { isRefusal, readWorkspaceBytes } from "../util/safeFiles.js";
import { looksMinified, unindexableReason } from "./textFilter.js";

// Deciding what a changed file on disk needs, from its bytes. Pure I/O + CPU, no database: it runs in the
// extraction processes during bulk indexing (so the language server's thread neither reads nor hashes files)
// and inline for single files.

/** What a file needs: a touch (same content, new mtime), a removal, or indexing. */
export type FileJob =
  | { kind: "remove"; path: string }
  | { kind: "touch"; id: number; mtime: number; size: number }
  | { kind: "index"; path: string; text: string; hash: string; mtime: number; size: number };

/** The index's record of a file, when it has one. */
export interface KnownFile {
  id: number;
  hash: string;
  mtime: number;
  size: number;
}

export interface FileStat {
  /** Milliseconds, floored. */
  mtime: number;
  size: number;
}

export function contentHash(text: string): string {
  return createHash("sha1").update(text).digest("base64url");
}

/**
 * Reads `path` under `root` (whose stat says it changed) through the safe reader and decides what it needs.
 * Unreadable, refused (links leading outside, devices, FIFOs), binary, huge or minified files are dropped from the
 * index (null when the index never had them); `problem` says why a read failed or was refused. Never throws.
 */
export function examineFile(
  root: string, path: string, known: KnownFile | undefined, info: FileStat, maxFileBytes: number,
): { job: FileJob | null; problem: string | null } {
  const remove: FileJob | null = known ? { kind: "remove", path } : null;
  if (info.size > maxFileBytes) return { job: remove, problem: null };
  const read = readWorkspaceBytes(root, path, maxFileBytes);
  if (isRefusal(read)) return { job: remove, problem: read.message };
  const bytes = read.bytes;
  if (unindexableReason(bytes, maxFileBytes)) return { job: remove, problem: null };
  const text = bytes.toString("utf8");
  const hash = contentHash(text);
  if (known && known.hash === hash) return { job: { kind: "touch", id: known.id, mtime: info.mtime, size: info.size }, problem: null };
  if (looksMinified(text)) return { job: remove, problem: null };
  return { job: { kind: "index", path, text, hash, mtime: info.mtime, size: info.size }, problem: null };
}
