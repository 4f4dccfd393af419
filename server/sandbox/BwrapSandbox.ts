import { spawn, spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { constants as osConstants, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Logger } from "../util/logger.js";
import { abortReason, throwIfAborted } from "./abort.js";
import { CappedOutput } from "./CappedOutput.js";
import { createCgroupLimits, type CgroupLimits } from "./cgroupLimits.js";
import { prepareProjectCopy } from "./projectCopy.js";
import { SandboxError } from "./SandboxError.js";
import {
  DEFAULT_OUTPUT_LIMIT_BYTES,
  DEFAULT_PIDS_LIMIT,
  SANDBOX_WORKDIR,
  type Sandbox,
  type SandboxReadiness,
  type SandboxRunOptions,
  type SandboxRunResult,
} from "./types.js";

// bubblewrap on the host's /usr, read-only, with nothing else of the host's: no /home, /root, /tmp or /etc
// beyond what the loader needs, no network (own namespace, only lo), as uid 65534, killed by `timeout -s KILL`.

const SEARCH_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
const SANDBOX_UID = 65534;
/** Our own kill, should `timeout` itself fail to fire. */
const BACKSTOP_MS = 2000;
/** Host paths the loader and interpreters read; bound read-only when present. */
const ETC_FILES = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime", "/etc/nsswitch.conf"];
/** Moves the launcher into the sandbox's cgroups, then becomes the sandbox (`exec`), so every child is capped. */
const CGROUP_LAUNCHER = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

export interface BwrapSandboxOptions {
  logger: Logger;
}

interface Tools {
  bwrap: string;
  timeout: string;
  sh: string;
  setpriv: string | null;
  prlimit: string | null;
}

function findTool(name: string): string | null {
  for (const dir of SEARCH_PATH) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

export class BwrapSandbox implements Sandbox {
  readonly backend = "bwrap" as const;
  private tools: Tools | null = null;
  private warnedNoCgroups = false;
  private readonly asRoot = process.getuid?.() === 0;

  constructor(private readonly options: BwrapSandboxOptions) {}

  async readiness(): Promise<SandboxReadiness> {
    let tools: Tools;
    try {
      tools = this.findTools();
    } catch (error) {
      return { backend: "bwrap", ready: false, detail: (error as Error).message.replace(/^dhi: /, "") };
    }
    const version = spawnSync(tools.bwrap, ["--version"], { encoding: "utf8" }).stdout.trim() || "bwrap";
    const probeDir = await mkdtemp(join(tmpdir(), "dhi-bwrap-probe-"));
    try {
      const result = await this.run({ cmd: "true", projectDir: probeDir, timeoutMs: 10_000, memoryMb: 64, network: false });
      if (result.exitCode !== 0) {
        const why = result.stderr.trim().split("\n")[0] ?? `exit ${result.exitCode}`;
        return { backend: "bwrap", ready: false, detail: `${version} cannot start a sandbox here (${why}); user namespaces may be disabled` };
      }
      const limits = await createCgroupLimits({ memoryBytes: 64 << 20, pids: 16 });
      await limits?.dispose();
      const caps = limits ? `memory${limits.memoryLimited ? "" : " (not enforced)"} and pids limits via cgroup ${limits.version}` : "no cgroup limits (this process may not create cgroups): memory is not capped";
      return { backend: "bwrap", ready: true, detail: `${version} as uid ${SANDBOX_UID}${this.asRoot ? " via setpriv" : ""}, ${caps}` };
    } catch (error) {
      return { backend: "bwrap", ready: false, detail: ((error as Error).message.split("\n")[0] ?? "bwrap failed").replace(/^dhi: /, "") };
    } finally {
      await rm(probeDir, { recursive: true, force: true });
    }
  }

  async run(options: SandboxRunOptions): Promise<SandboxRunResult> {
    const { signal } = options;
    throwIfAborted(signal);
    if (!options.cmd.trim()) throw new SandboxError("dhi: the sandbox command is empty");
    const tools = this.findTools();
    const pids = options.pidsLimit ?? DEFAULT_PIDS_LIMIT;
    const copy = await prepareProjectCopy({ projectDir: options.projectDir, overlay: options.overlay, writableDirs: options.writableDirs, signal });
    let cgroups: CgroupLimits | null = null;
    try {
      await writeSystemFiles(copy.scratchDir);
      cgroups = await createCgroupLimits({ memoryBytes: options.memoryMb * 1024 * 1024, pids });
      if (!cgroups && !this.warnedNoCgroups) {
        this.warnedNoCgroups = true;
        this.options.logger.warn("dhi: bwrap sandbox runs without cgroup limits (cannot create cgroups here): memory is not capped");
      }
      const argv = this.commandLine(tools, options, copy.projectDir, copy.scratchDir, cgroups, pids);
      throwIfAborted(signal);
      return await this.spawnSandbox(argv, options, cgroups);
    } finally {
      await cgroups?.dispose();
      await copy.dispose();
    }
  }

  async dispose(): Promise<void> {
    // Nothing lives between runs.
  }

  private findTools(): Tools {
    if (this.tools) return this.tools;
    if (process.platform !== "linux") throw new SandboxError("dhi: the bwrap sandbox needs Linux; use sandbox.backend \"docker\"");
    const bwrap = findTool("bwrap");
    const timeout = findTool("timeout");
    const sh = findTool("sh");
    const setpriv = findTool("setpriv");
    if (!bwrap) throw new SandboxError("dhi: bubblewrap (bwrap) is not installed; install it (apt-get install bubblewrap) or use sandbox.backend \"docker\"");
    if (!timeout || !sh) throw new SandboxError("dhi: the bwrap sandbox needs `timeout` and `sh` (coreutils)");
    if (this.asRoot && !setpriv) throw new SandboxError("dhi: running as root, the bwrap sandbox needs setpriv (util-linux) to drop to uid 65534");
    this.tools = { bwrap, timeout, sh, setpriv, prlimit: findTool("prlimit") };
    return this.tools;
  }

  private commandLine(tools: Tools, options: SandboxRunOptions, project: string, scratch: string, cgroups: CgroupLimits | null, pids: number): string[] {
    const seconds = (options.timeoutMs / 1000).toFixed(3);
    const argv: string[] = [];
    if (cgroups) argv.push(tools.sh, "-c", CGROUP_LAUNCHER, "dhi-sandbox", ...cgroups.procsFiles, "--");
    argv.push(tools.timeout, "-s", "KILL", seconds);
    // As root, drop to a real uid 65534 before bwrap, which then builds its user namespace unprivileged.
    if (this.asRoot && tools.setpriv) {
      argv.push(tools.setpriv, `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--");
    }
    // Without a pids cgroup, RLIMIT_NPROC is the next best cap on a fork bomb.
    if (!cgroups?.pidsLimited && tools.prlimit) argv.push(tools.prlimit, `--nproc=${pids}:${pids}`, "--");
    argv.push(tools.bwrap, ...bwrapArgs(options, project, scratch, this.asRoot), "--", "sh", "-c", options.cmd);
    return argv;
  }

  private spawnSandbox(argv: string[], options: SandboxRunOptions, cgroups: CgroupLimits | null): Promise<SandboxRunResult> {
    const { signal } = options;
    const stdout = new CappedOutput(options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES);
    const stderr = new CappedOutput(options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES);
    const began = performance.now();
    return new Promise<SandboxRunResult>((resolve, reject) => {
      // Own process group, so one kill reaches timeout, setpriv and bwrap; the host env is not passed on.
      const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { PATH: SEARCH_PATH.join(":") } });
      let backstopFired = false;
      const killGroup = () => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      };
      const backstop = setTimeout(() => {
        backstopFired = true;
        killGroup();
      }, options.timeoutMs + BACKSTOP_MS);
      const onAbort = () => killGroup();
      signal?.addEventListener("abort", onAbort, { once: true });
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.once("error", (error) => {
        clearTimeout(backstop);
        signal?.removeEventListener("abort", onAbort);
        reject(new SandboxError(`dhi: could not start bwrap: ${error.message}`));
      });
      child.once("close", (code, signalName) => {
        clearTimeout(backstop);
        signal?.removeEventListener("abort", onAbort);
        if (signal?.aborted) {
          reject(abortReason(signal));
          return;
        }
        const durationMs = Math.round(performance.now() - began);
        const exitCode = code ?? (signalName ? 128 + (osConstants.signals[signalName] ?? 0) : 1);
        // `timeout -s KILL` kills its own process group too, so a timeout shows up as SIGKILL at the deadline.
        const timedOut = backstopFired || (exitCode === 137 && durationMs >= options.timeoutMs - 50);
        const finish = async () => ({
          backend: "bwrap" as const,
          exitCode,
          timedOut,
          oomKilled: cgroups ? await cgroups.oomKilled() : false,
          durationMs,
          stdout: stdout.text(),
          stderr: stderr.text(),
          truncated: stdout.truncated || stderr.truncated,
        });
        finish().then(resolve, reject);
      });
    });
  }
}

/** /etc/passwd, group and hosts for the sandbox: only root and nobody, only localhost. */
async function writeSystemFiles(scratch: string): Promise<void> {
  await writeFile(join(scratch, "passwd"), `root:x:0:0:root:/root:/bin/sh\nnobody:x:${SANDBOX_UID}:${SANDBOX_UID}:nobody:/tmp:/bin/sh\n`, { mode: 0o644 });
  await writeFile(join(scratch, "group"), `root:x:0:\nnogroup:x:${SANDBOX_UID}:\n`, { mode: 0o644 });
  await writeFile(join(scratch, "hosts"), "127.0.0.1 localhost\n::1 localhost\n", { mode: 0o644 });
}

function bwrapArgs(options: SandboxRunOptions, project: string, scratch: string, asRoot: boolean): string[] {
  const tmpBytes = String(Math.max(64, Math.floor(options.memoryMb / 2)) * 1024 * 1024);
  const args = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session", "--hostname", "dhi-sandbox"];
  // Unprivileged callers map their own uid to 65534 inside; as root, setpriv already made us 65534.
  if (!asRoot) args.push("--uid", String(SANDBOX_UID), "--gid", String(SANDBOX_UID));
  args.push("--ro-bind", "/usr", "/usr");
  // Merged-/usr hosts have /bin, /lib… as symlinks into /usr; older ones have real folders.
  for (const top of ["/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"]) {
    try {
      const info = lstatSync(top);
      if (info.isSymbolicLink()) args.push("--symlink", readlinkSync(top), top);
      else if (info.isDirectory()) args.push("--ro-bind", top, top);
    } catch {
      // Not on this host.
    }
  }
  for (const file of [...ETC_FILES, ...pythonEtc()]) args.push("--ro-bind-try", file, file);
  args.push("--ro-bind", join(scratch, "passwd"), "/etc/passwd", "--ro-bind", join(scratch, "group"), "/etc/group", "--ro-bind", join(scratch, "hosts"), "/etc/hosts");
  args.push("--proc", "/proc", "--dev", "/dev", "--size", tmpBytes, "--tmpfs", "/tmp");
  args.push("--ro-bind", project, SANDBOX_WORKDIR);
  for (const dir of options.writableDirs ?? []) args.push("--size", tmpBytes, "--tmpfs", `${SANDBOX_WORKDIR}/${dir}`);
  args.push("--chdir", SANDBOX_WORKDIR, "--remount-ro", "/", "--clearenv");
  for (const [key, value] of Object.entries(options.env ?? {})) args.push("--setenv", key, value);
  return args;
}

/** Debian's python reads its sitecustomize from /etc/python3.X. */
function pythonEtc(): string[] {
  try {
    return readdirSync("/etc").filter((name) => /^python3(\.\d+)?$/.test(name)).map((name) => `/etc/${name}`);
  } catch {
    return [];
  }
}
