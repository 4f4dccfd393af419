import { randomBytes } from "node:crypto";
import { constants, type Dirent } from "node:fs";
import { chmod, copyFile, link, lstat, mkdir, mkdtemp, readdir, readlink, rm, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, normalize, sep } from "node:path";
import { throwIfAborted } from "./abort.js";
import { SandboxError } from "./SandboxError.js";

// The sandbox never sees the user's folder: it gets a throwaway copy, made of hard links where possible.
// A hard link shares its inode with the user's file, so the copy is only ever mounted read-only and every
// overlay file is written as a NEW file after unlinking the link, never through it.

export interface ProjectCopy {
  /** Host folder holding the copy; backends mount it read-only. */
  projectDir: string;
  /** Host folder beside the copy for backend files (passwd, hosts), never mounted writable either. */
  scratchDir: string;
  linked: number;
  copied: number;
  dispose(): Promise<void>;
}

export interface ProjectCopyOptions {
  projectDir: string;
  overlay?: Map<string, string | null>;
  /** Project-relative folders left empty in the copy (they become tmpfs mount points). */
  writableDirs?: string[];
  signal?: AbortSignal;
}

/** Never copied: version-control internals are large and no test needs them writable or at all. */
const SKIPPED_NAMES = new Set([".git"]);
const BATCH = 64;

/** Checks a project-relative path and returns its normalized form. */
export function safeRelativePath(rel: string, what: string): string {
  const clean = normalize(rel).replace(/[\\/]+$/, "");
  if (!rel || isAbsolute(rel) || clean === "." || clean === ".." || clean.startsWith(`..${sep}`)) {
    throw new SandboxError(`dhi: ${what} path "${rel}" must be relative and inside the project`);
  }
  return clean;
}

export async function prepareProjectCopy(options: ProjectCopyOptions): Promise<ProjectCopy> {
  const source = options.projectDir;
  const info = await stat(source).catch(() => null);
  if (!info?.isDirectory()) throw new SandboxError(`dhi: project folder "${source}" does not exist or is not a folder`);
  throwIfAborted(options.signal);

  // The outer folder is traverse-only (0711) and the inner name is 128 random bits, so other local users
  // cannot find the links; the sandbox's uid 65534 can still reach them.
  const outer = await mkdtemp(join(tmpdir(), "dhi-sandbox-"));
  const dispose = () => rm(outer, { recursive: true, force: true });
  try {
    await chmod(outer, 0o711);
    const inner = join(outer, randomBytes(16).toString("hex"));
    const projectDir = join(inner, "project");
    await mkdir(projectDir, { recursive: true, mode: 0o755 });
    await chmod(inner, 0o755);
    await chmod(projectDir, 0o755);

    const writable = (options.writableDirs ?? []).map((dir) => safeRelativePath(dir, "writable dir"));
    const copier = new TreeCopier(source, projectDir, new Set(writable), options.overlay, options.signal);
    await copier.copyDir("");
    for (const dir of writable) await mkdirInside(projectDir, dir);
    for (const [rel, content] of options.overlay ?? []) await applyOverlayFile(projectDir, rel, content);
    return { projectDir, scratchDir: inner, linked: copier.linked, copied: copier.copied, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

class TreeCopier {
  linked = 0;
  copied = 0;
  private canLink = true;

  constructor(
    private readonly from: string,
    private readonly to: string,
    private readonly emptyDirs: Set<string>,
    private readonly overlay: Map<string, string | null> | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async copyDir(rel: string): Promise<void> {
    throwIfAborted(this.signal);
    if (this.emptyDirs.has(rel)) return;
    const entries = await readdir(join(this.from, rel), { withFileTypes: true });
    for (let i = 0; i < entries.length; i += BATCH) {
      await Promise.all(entries.slice(i, i + BATCH).map((entry) => this.copyEntry(rel, entry)));
    }
  }

  private async copyEntry(parent: string, entry: Dirent): Promise<void> {
    if (SKIPPED_NAMES.has(entry.name)) return;
    const rel = parent ? join(parent, entry.name) : entry.name;
    const src = join(this.from, rel);
    const dst = join(this.to, rel);
    if (entry.isDirectory()) {
      await mkdir(dst, { mode: 0o755 });
      await chmod(dst, 0o755);
      await this.copyDir(rel);
    } else if (entry.isSymbolicLink()) {
      await symlink(await readlink(src), dst);
    } else if (entry.isFile()) {
      if (this.overlay?.has(rel)) return; // replaced or deleted below; no need to copy the old one
      await this.copyFile(src, dst);
    }
    // Sockets, FIFOs and devices are left out: tests have no business with them.
  }

  private async copyFile(src: string, dst: string): Promise<void> {
    const { mode } = await lstat(src);
    // Only world-readable files are linked: the sandbox user (65534) must read them, and a file's mode
    // cannot be changed through a link without changing the user's file.
    if (this.canLink && (mode & 0o004) !== 0) {
      try {
        await link(src, dst);
        this.linked++;
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EXDEV" || code === "EPERM") this.canLink = false;
        else if (code !== "EMLINK") throw error;
      }
    }
    await copyFile(src, dst, constants.COPYFILE_FICLONE);
    await chmod(dst, (mode & 0o111 ? 0o755 : 0o644));
    this.copied++;
  }
}

/** Creates `rel` inside `root` one level at a time, refusing to pass through a symlink (it could lead out). */
async function mkdirInside(root: string, rel: string): Promise<void> {
  let current = root;
  for (const part of rel.split(sep)) {
    current = join(current, part);
    const info = await lstat(current).catch(() => null);
    if (info?.isSymbolicLink()) throw new SandboxError(`dhi: "${rel}" passes through a symlink in the project; refusing to write there`);
    if (!info) {
      await mkdir(current, { mode: 0o755 });
      await chmod(current, 0o755);
    } else if (!info.isDirectory()) {
      throw new SandboxError(`dhi: "${rel}" needs a folder where the project has a file`);
    }
  }
}

async function applyOverlayFile(root: string, rawRel: string, content: string | null): Promise<void> {
  const rel = safeRelativePath(rawRel, "overlay");
  const parts = rel.split(sep);
  if (parts.length > 1) await mkdirInside(root, parts.slice(0, -1).join(sep));
  const target = join(root, rel);
  // Unlink first: the copy may be a hard link to the user's file, which must never be written.
  await unlink(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw new SandboxError(`dhi: overlay path "${rel}" cannot be replaced (${error.code ?? error.message})`);
  });
  if (content === null) return;
  await writeFile(target, content, { mode: 0o644, flag: "wx" });
  await chmod(target, 0o644); // the umask may have taken the sandbox user's read bit

}
