import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/paths.js";

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const info = statSync(path);
    newest = Math.max(newest, info.isDirectory() ? newestSource(path) : info.mtimeMs);
  }
  return newest;
}

/**
 * A compiled copy of the server for child processes (which cannot run TypeScript): the repo's dist/ when it is
 * newer than the index and syntax sources, else a fresh `tsc` build into a temporary folder shaped like the
 * package (dist/, grammars/, node_modules/).
 */
export function distForChildren(): { dist: string; cleanup: () => void } {
  const dist = join(REPO_ROOT, "dist");
  const built = join(dist, "index", "WorkspaceIndex.js");
  const sources = Math.max(newestSource(join(REPO_ROOT, "server", "index")), newestSource(join(REPO_ROOT, "server", "syntax")));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return { dist, cleanup: () => undefined };
  const pkg = mkdtempSync(join(tmpdir(), "dhi-dist-"));
  for (const name of ["grammars", "node_modules", "package.json"]) symlinkSync(join(REPO_ROOT, name), join(pkg, name));
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", REPO_ROOT, "--outDir", join(pkg, "dist")], { stdio: "pipe" });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; a missing output file is what fails below.
  }
  const cleanup = (): void => rmSync(pkg, { recursive: true, force: true });
  if (!existsSync(join(pkg, "dist", "index", "WorkspaceIndex.js"))) {
    cleanup();
    throw new Error("could not build the server for the child process");
  }
  return { dist: join(pkg, "dist"), cleanup };
}
