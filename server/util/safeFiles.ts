import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, unlinkSync, writeSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";

// The one way dhi reads and writes workspace content. An opened repository may be hostile: a link may point at
// ~/.ssh or /dev/zero, a "file" may be a FIFO that blocks forever, a file may be gigabytes. So every read resolves
// the real path and keeps it inside the workspace, accepts regular files only, and reads at most `maxBytes` bytes
// (never an unbounded readFileSync); every write resolves the real path of its target and parents the same way.

/** The cap for reads that have no setting of their own (settings files, agent reads, test layout). */
export const DEFAULT_READ_CAP = 8 * 1024 * 1024;

const CHUNK = 64 * 1024;

export type RefusalKind = "missing" | "outside" | "special" | "too-large" | "unreadable";

/** Why a file was not read or written; `message` is one line naming the file. */
export interface Refusal {
  refused: RefusalKind;
  message: string;
}

export interface FileBytes {
  bytes: Buffer;
  /** Milliseconds, floored. */
  mtime: number;
  size: number;
}

/** A refused write (outside the workspace, through a link, onto a non-regular file). */
export class UnsafeWriteError extends Error {
  override readonly name = "UnsafeWriteError";
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === "object" && value !== null && "refused" in value;
}

/** Refusals worth a log line: a missing file is ordinary, the others mean the repository is odd or hostile. */
export function worthLogging(refusal: Refusal): boolean {
  return refusal.refused !== "missing";
}

function refusal(refused: RefusalKind, message: string): Refusal {
  return { refused, message };
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function escapes(rel: string): boolean {
  return rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/** Whether `path` is `root` or below it, comparing text only. */
export function isInside(root: string, path: string): boolean {
  return !escapes(relative(root, path));
}

function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return resolve(root);
  }
}

/**
 * The real path of `path` (absolute, or relative to `root`), refused when it or any link on its way resolves
 * outside the workspace, or when it does not exist.
 */
export function resolveInside(root: string, path: string): string | Refusal {
  const absolute = isAbsolute(path) ? resolve(path) : resolve(root, path);
  if (!isInside(resolve(root), absolute)) return refusal("outside", `dhi: refused ${path}: it is outside the workspace ${root}`);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return refusal("missing", `dhi: ${path} does not exist`);
    return refusal("unreadable", `dhi: cannot resolve ${path}: ${code ?? String(error)}`);
  }
  if (!isInside(realRoot(root), real)) return refusal("outside", `dhi: refused ${path}: it links to ${real}, outside the workspace`);
  return real;
}

/**
 * Reads a regular file of at most `maxBytes` with a bounded read. No containment check: for files the user named
 * (the CLI's FILE argument). Refuses devices, FIFOs, sockets and folders; never blocks on a FIFO (O_NONBLOCK).
 */
export function readBoundedFile(absolute: string, maxBytes: number = DEFAULT_READ_CAP, shownAs: string = absolute): FileBytes | Refusal {
  let fd: number;
  try {
    fd = openSync(absolute, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return refusal("missing", `dhi: ${shownAs} does not exist`);
    if (code === "ELOOP") return refusal("outside", `dhi: refused ${shownAs}: it became a link while being read`);
    return refusal("unreadable", `dhi: cannot read ${shownAs}: ${code ?? String(error)}`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return refusal("special", `dhi: refused ${shownAs}: not a regular file`);
    if (info.size > maxBytes) return refusal("too-large", `dhi: refused ${shownAs}: ${info.size} bytes is over the ${maxBytes}-byte cap`);
    // Read in chunks up to the cap: the size from fstat is a hint, a file may grow while it is read.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) return refusal("too-large", `dhi: refused ${shownAs}: over the ${maxBytes}-byte cap`);
      chunks.push(n === CHUNK ? chunk : chunk.subarray(0, n));
    }
    return { bytes: Buffer.concat(chunks, total), mtime: Math.floor(info.mtimeMs), size: total };
  } catch (error) {
    return refusal("unreadable", `dhi: cannot read ${shownAs}: ${errnoCode(error) ?? String(error)}`);
  } finally {
    closeSync(fd);
  }
}

/** Reads a workspace file (absolute, or relative to `root`): inside the workspace, regular, at most `maxBytes`. */
export function readWorkspaceBytes(root: string, path: string, maxBytes: number = DEFAULT_READ_CAP): FileBytes | Refusal {
  const real = resolveInside(root, path);
  if (isRefusal(real)) return real;
  return readBoundedFile(real, maxBytes, path);
}

// Where refusals are logged when the caller has no logger of its own: stderr, until the server routes them to
// its Logger (stderr + window/logMessage).
let refusalLog: (line: string) => void = (line) => process.stderr.write(`[dhi warn] ${line}\n`);

export function setRefusalLog(log: (line: string) => void): void {
  refusalLog = log;
}

/** The text of a workspace file, or null when it is missing or refused; refusals other than "missing" are logged. */
export function readWorkspaceText(root: string, path: string, maxBytes: number = DEFAULT_READ_CAP, log: (line: string) => void = refusalLog): string | null {
  const result = readWorkspaceBytes(root, path, maxBytes);
  if (!isRefusal(result)) return result.bytes.toString("utf8");
  if (worthLogging(result)) log(result.message);
  return null;
}

/** Size and mtime of a workspace file without reading it: same refusals as a read, except the size cap. */
export function statWorkspaceFile(root: string, path: string): { mtime: number; size: number } | Refusal {
  const real = resolveInside(root, path);
  if (isRefusal(real)) return real;
  try {
    const info = lstatSync(real);
    if (!info.isFile()) return refusal("special", `dhi: refused ${path}: not a regular file`);
    return { mtime: Math.floor(info.mtimeMs), size: info.size };
  } catch (error) {
    return refusal(errnoCode(error) === "ENOENT" ? "missing" : "unreadable", `dhi: cannot stat ${path}: ${errnoCode(error) ?? String(error)}`);
  }
}

function refusedWrite(verb: string, path: string, reason: Refusal): UnsafeWriteError {
  return new UnsafeWriteError(`dhi: refused to ${verb} ${path}: ${reason.message.replace(/^dhi: /, "")}`);
}

/**
 * The real path of the folder a new entry goes in, refused outside the workspace. Missing folders are created
 * when `create` is set; otherwise the path they would have is returned once their nearest existing ancestor passed.
 */
function safeParent(root: string, absolute: string, shownAs: string, create: boolean): string {
  const parent = dirname(absolute);
  // Check the nearest folder that exists before creating anything below it (a link there could lead outside).
  for (let existing = parent; ; existing = dirname(existing)) {
    const result = resolveInside(root, existing);
    if (!isRefusal(result)) {
      if (!create) return resolve(result, relative(existing, parent));
      break;
    }
    if (result.refused !== "missing") throw refusedWrite("write", shownAs, result);
  }
  mkdirSync(parent, { recursive: true });
  const real = resolveInside(root, parent);
  if (isRefusal(real)) throw refusedWrite("write", shownAs, real);
  return real;
}

/** The real path to write for `path`: its parent's real path plus its name; an existing link must stay inside. */
function writeTarget(root: string, path: string, create: boolean): string {
  const absolute = isAbsolute(path) ? resolve(path) : resolve(root, path);
  if (!isInside(resolve(root), absolute) || absolute === resolve(root)) throw new UnsafeWriteError(`dhi: refused to write ${path}: it is outside the workspace ${root}`);
  const target = resolve(safeParent(root, absolute, path, create), relative(dirname(absolute), absolute));
  const info = lstatSync(target, { throwIfNoEntry: false });
  if (!info) return target;
  if (info.isSymbolicLink()) {
    const real = resolveInside(root, target);
    if (isRefusal(real)) throw new UnsafeWriteError(`dhi: refused to write ${path}: it is a link that resolves outside the workspace or nowhere`);
    return writeTarget(root, real, create);
  }
  if (!info.isFile()) throw new UnsafeWriteError(`dhi: refused to write ${path}: not a regular file`);
  return target;
}

/**
 * Why writing `path` would be unsafe (one line), or null when it is fine. Creates nothing: for edits the editor
 * applies (WorkspaceEdits), which must not lead it to write through a link out of the workspace either.
 */
export function unsafeWriteReason(root: string, path: string): string | null {
  try {
    writeTarget(root, path, false);
    return null;
  } catch (error) {
    if (error instanceof UnsafeWriteError) return error.message;
    throw error;
  }
}

/** Writes a workspace file (creating folders), never through a link that leaves the workspace. Throws UnsafeWriteError. */
export function writeWorkspaceFile(root: string, path: string, text: string): void {
  const target = writeTarget(root, path, true);
  const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    const bytes = Buffer.from(text, "utf8");
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
  } finally {
    closeSync(fd);
  }
}

/** Deletes a workspace file (a link itself, never its target); missing files are fine. Throws UnsafeWriteError. */
export function removeWorkspaceFile(root: string, path: string): void {
  const absolute = isAbsolute(path) ? resolve(path) : resolve(root, path);
  if (!isInside(resolve(root), absolute) || absolute === resolve(root)) throw new UnsafeWriteError(`dhi: refused to delete ${path}: it is outside the workspace ${root}`);
  const parent = resolveInside(root, dirname(absolute));
  if (isRefusal(parent)) {
    if (parent.refused === "missing") return;
    throw refusedWrite("delete", path, parent);
  }
  const target = resolve(parent, relative(dirname(absolute), absolute));
  const info = lstatSync(target, { throwIfNoEntry: false });
  if (!info) return;
  if (info.isDirectory()) throw new UnsafeWriteError(`dhi: refused to delete ${path}: it is a folder`);
  unlinkSync(target);
}
