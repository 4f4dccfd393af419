import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import Docker from "dockerode";
import type { Logger } from "../util/logger.js";
import { errorMessage } from "../util/logger.js";
import { abortReason, throwIfAborted } from "./abort.js";
import { CappedOutput } from "./CappedOutput.js";
import { dockerEndpoint, type DockerEndpoint } from "./dockerConnection.js";
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

// One container per run: create → attach → start → wait (kill at the timeout) → inspect → remove, always.

const LABEL = "dhi.sandbox";
/** How long to wait for the attach stream to drain after the container exited. */
const DRAIN_MS = 2000;

export interface DockerSandboxOptions {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** Images to report in readiness(). */
  expectedImages?: string[];
}

export class DockerSandbox implements Sandbox {
  readonly backend = "docker" as const;
  private readonly endpoint: DockerEndpoint;
  private readonly docker: Docker;
  private readonly knownImages = new Set<string>();
  private swept = false;

  constructor(private readonly options: DockerSandboxOptions) {
    this.endpoint = dockerEndpoint(options.env);
    this.docker = new Docker(this.endpoint.options);
  }

  async readiness(): Promise<SandboxReadiness> {
    try {
      const version = await this.docker.version();
      const images = this.options.expectedImages ?? [];
      const missing: string[] = [];
      for (const image of images) if (!(await this.hasImage(image))) missing.push(image);
      const where = `Docker ${version.Version} at ${this.endpoint.describe}`;
      if (missing.length === images.length && images.length > 0) {
        return { backend: "docker", ready: false, detail: `${where}, but no sandbox image is present (${missing.join(", ")}); build them with .ci/docker-up.sh or set sandbox.image` };
      }
      const note = missing.length ? `; missing ${missing.join(", ")} (build with .ci/docker-up.sh)` : "";
      return { backend: "docker", ready: true, detail: `${where}${images.length ? `, images ${images.filter((i) => !missing.includes(i)).join(", ")}` : ""}${note}` };
    } catch (error) {
      return { backend: "docker", ready: false, detail: this.unreachable(error).replace(/^dhi: /, "") };
    }
  }

  async run(options: SandboxRunOptions): Promise<SandboxRunResult> {
    const { signal } = options;
    throwIfAborted(signal);
    const image = options.image;
    if (!image) throw new SandboxError("dhi: the docker sandbox needs an image: set sandbox.image");
    if (!options.cmd.trim()) throw new SandboxError("dhi: the sandbox command is empty");
    await this.ensureReady(image);
    const copy = await prepareProjectCopy({ projectDir: options.projectDir, overlay: options.overlay, writableDirs: options.writableDirs, signal });

    const began = performance.now();
    const stdout = new CappedOutput(options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES);
    const stderr = new CappedOutput(options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES);
    let container: Docker.Container | undefined;
    let timedOut = false;
    // Aborting also cancels the pending wait request, so run() returns at once.
    const requests = new AbortController();
    const onAbort = () => {
      requests.abort();
      container?.kill({ signal: "SIGKILL" }).catch(() => undefined);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      container = await this.docker.createContainer(this.containerSpec(options, image, copy.projectDir));
      throwIfAborted(signal);
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const drained = new Promise<void>((resolve) => {
        stream.once("end", resolve);
        stream.once("close", resolve);
        stream.once("error", () => resolve());
      });
      this.docker.modem.demuxStream(stream, stdout.writable(), stderr.writable());
      throwIfAborted(signal);
      await container.start();
      const running = container;
      const timer = setTimeout(() => {
        timedOut = true;
        running.kill({ signal: "SIGKILL" }).catch(() => undefined);
      }, options.timeoutMs);
      let status: { StatusCode?: number };
      try {
        status = (await container.wait({ abortSignal: requests.signal })) as { StatusCode?: number };
      } finally {
        clearTimeout(timer);
      }
      throwIfAborted(signal);
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
      const info = await container.inspect();
      const exitCode = status.StatusCode ?? info.State.ExitCode;
      return {
        backend: "docker",
        exitCode,
        // The timer may fire just as the command ends by itself; only a kill that landed counts.
        timedOut: timedOut && exitCode !== 0,
        oomKilled: info.State.OOMKilled === true,
        durationMs: Math.round(performance.now() - began),
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
      };
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (error instanceof SandboxError) throw error;
      throw new SandboxError(`dhi: docker sandbox run failed: ${oneLine(error)}`);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (container) await this.remove(container);
      await copy.dispose();
    }
  }

  async dispose(): Promise<void> {
    // No long-lived state: every container is removed by the run that made it.
  }

  private containerSpec(options: SandboxRunOptions, image: string, projectCopy: string): Docker.ContainerCreateOptions {
    const memory = options.memoryMb * 1024 * 1024;
    const tmpfsSize = `size=${Math.max(64, Math.floor(options.memoryMb / 2))}m`;
    const tmpfs: Record<string, string> = { "/tmp": `rw,exec,nosuid,nodev,mode=1777,${tmpfsSize}` };
    for (const dir of options.writableDirs ?? []) tmpfs[`${SANDBOX_WORKDIR}/${dir}`] = `rw,exec,nosuid,nodev,mode=1777,${tmpfsSize}`;
    return {
      Image: image,
      Cmd: ["sh", "-c", options.cmd],
      WorkingDir: SANDBOX_WORKDIR,
      User: "65534:65534",
      Env: Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`),
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      OpenStdin: false,
      NetworkDisabled: true,
      Labels: { [LABEL]: "1", "dhi.pid": String(process.pid), "dhi.host": hostname() },
      HostConfig: {
        NetworkMode: "none",
        ReadonlyRootfs: true,
        Binds: [`${projectCopy}:${SANDBOX_WORKDIR}:ro`],
        Tmpfs: tmpfs,
        Memory: memory,
        MemorySwap: memory, // equal to Memory: no swap, so the cap is real
        PidsLimit: options.pidsLimit ?? DEFAULT_PIDS_LIMIT,
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        IpcMode: "private",
        AutoRemove: false,
      },
    };
  }

  /** Pings once, checks the image once, and clears containers left by dhi processes that died. */
  private async ensureReady(image: string): Promise<void> {
    if (!this.swept) {
      try {
        await this.docker.ping();
      } catch (error) {
        throw new SandboxError(this.unreachable(error));
      }
      this.swept = true;
      await this.sweepOrphans();
    }
    const present = await this.hasImage(image).catch((error: unknown) => {
      throw new SandboxError(`dhi: cannot look up sandbox image "${image}" (set in sandbox.image or picked for the project): ${oneLine(error)}`);
    });
    if (!present) {
      throw new SandboxError(`dhi: sandbox image "${image}" is not present in the local Docker engine (no registry is used); build it with .ci/docker-up.sh or set sandbox.image`);
    }
  }

  private async hasImage(image: string): Promise<boolean> {
    if (this.knownImages.has(image)) return true;
    try {
      await this.docker.getImage(image).inspect();
      this.knownImages.add(image);
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw error;
    }
  }

  private async sweepOrphans(): Promise<void> {
    try {
      const containers = await this.docker.listContainers({ all: true, filters: { label: [LABEL] } });
      for (const info of containers) {
        const pid = Number(info.Labels["dhi.pid"]);
        if (info.Labels["dhi.host"] !== hostname() || !Number.isInteger(pid) || isAlive(pid)) continue;
        this.options.logger.info(`dhi: removing sandbox container ${info.Id.slice(0, 12)} left by a dhi process that exited`);
        await this.docker.getContainer(info.Id).remove({ force: true, v: true }).catch(() => undefined);
      }
    } catch (error) {
      this.options.logger.debug(`dhi: could not sweep old sandbox containers: ${errorMessage(error)}`);
    }
  }

  private async remove(container: Docker.Container): Promise<void> {
    try {
      await container.remove({ force: true, v: true });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return;
      this.options.logger.warn(`dhi: could not remove sandbox container ${container.id.slice(0, 12)}: ${oneLine(error)}`);
    }
  }

  private unreachable(error: unknown): string {
    return `dhi: cannot reach Docker at ${this.endpoint.describe} (${oneLine(error)}); start dockerd (.ci/docker-up.sh), set DOCKER_HOST, or set sandbox.backend to "bwrap"`;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function oneLine(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const text = errorMessage(error).split("\n")[0]?.trim() ?? "";
  return code && !text.includes(code) ? `${code}: ${text}` : text;
}
