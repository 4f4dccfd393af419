import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

// Memory and pids caps for the bwrap backend, in a fresh cgroup nested under our own (v1 or v2).
// Nesting under our own cgroup keeps any limits our parent has; the sandbox can only get less.

const ROOT = "/sys/fs/cgroup";

export interface CgroupLimits {
  /** `cgroup.procs` files the launcher writes its pid to before it execs the sandbox. */
  procsFiles: string[];
  version: "v1" | "v2";
  memoryLimited: boolean;
  pidsLimited: boolean;
  /** True when the kernel OOM-killed something in the group. */
  oomKilled(): Promise<boolean>;
  /** Kills stragglers and removes the groups. */
  dispose(): Promise<void>;
}

export interface CgroupRequest {
  memoryBytes: number;
  pids: number;
}

/** Our own cgroup path per controller ("" key for the v2 unified hierarchy). */
function ownCgroups(): Map<string, string> {
  const map = new Map<string, string>();
  let text = "";
  try {
    text = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    return map;
  }
  for (const line of text.trim().split("\n")) {
    const [, controllers, path] = line.split(":", 3) as [string, string, string];
    if (path === undefined) continue;
    for (const controller of controllers.split(",")) map.set(controller, path);
  }
  return map;
}

async function makeGroup(dir: string): Promise<boolean> {
  try {
    await mkdir(dir);
    return true;
  } catch {
    return false;
  }
}

async function tryWrite(file: string, value: string): Promise<boolean> {
  try {
    await writeFile(file, value);
    return true;
  } catch {
    return false;
  }
}

async function counterIn(file: string, key: string): Promise<number> {
  try {
    const text = await readFile(file, "utf8");
    const match = new RegExp(`^${key} (\\d+)$`, "m").exec(text);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

async function removeGroup(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const procs = (await readFile(join(dir, "cgroup.procs"), "utf8")).split("\n").filter(Boolean);
      for (const pid of procs) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      await rmdir(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Sets up the limits, or returns null when this process may not create cgroups (then nothing is capped). */
export async function createCgroupLimits(request: CgroupRequest): Promise<CgroupLimits | null> {
  const own = ownCgroups();
  const name = `dhi-sandbox-${randomBytes(6).toString("hex")}`;
  const v1Memory = own.get("memory");
  const v1Pids = own.get("pids");
  const dirs: string[] = [];
  const procsFiles: string[] = [];
  let memoryLimited = false;
  let pidsLimited = false;
  let oomFile: string | null = null;
  let version: "v1" | "v2" = "v1";

  if (v1Memory !== undefined && existsSync(join(ROOT, "memory"))) {
    const dir = join(ROOT, "memory", v1Memory, name);
    if (await makeGroup(dir)) {
      dirs.push(dir);
      procsFiles.push(join(dir, "cgroup.procs"));
      memoryLimited = await tryWrite(join(dir, "memory.limit_in_bytes"), String(request.memoryBytes));
      // memsw exists only with swap accounting; where it does, it keeps swap out of the cap.
      await tryWrite(join(dir, "memory.memsw.limit_in_bytes"), String(request.memoryBytes));
      oomFile = join(dir, "memory.oom_control");
    }
  }
  if (v1Pids !== undefined && existsSync(join(ROOT, "pids"))) {
    const dir = join(ROOT, "pids", v1Pids, name);
    if (await makeGroup(dir)) {
      dirs.push(dir);
      procsFiles.push(join(dir, "cgroup.procs"));
      pidsLimited = await tryWrite(join(dir, "pids.max"), String(request.pids));
    }
  }
  const unified = own.get("");
  if (!memoryLimited && !pidsLimited && unified !== undefined && existsSync(join(ROOT, "cgroup.controllers"))) {
    // cgroup v2: the parent must delegate memory and pids to its children.
    const parent = join(ROOT, unified);
    await tryWrite(join(parent, "cgroup.subtree_control"), "+memory +pids");
    const dir = join(parent, name);
    if (await makeGroup(dir)) {
      dirs.push(dir);
      procsFiles.push(join(dir, "cgroup.procs"));
      memoryLimited = await tryWrite(join(dir, "memory.max"), String(request.memoryBytes));
      await tryWrite(join(dir, "memory.swap.max"), "0");
      pidsLimited = await tryWrite(join(dir, "pids.max"), String(request.pids));
      oomFile = join(dir, "memory.events");
      version = "v2";
    }
  }
  if (dirs.length === 0) return null;

  return {
    procsFiles,
    version,
    memoryLimited,
    pidsLimited,
    oomKilled: async () => (oomFile ? (await counterIn(oomFile, "oom_kill")) > 0 : false),
    dispose: async () => {
      for (const dir of dirs) await removeGroup(dir);
    },
  };
}
