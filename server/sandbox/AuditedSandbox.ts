import { performance } from "node:perf_hooks";
import type { Logger } from "../util/logger.js";
import { errorMessage } from "../util/logger.js";
import { AuditLog } from "./AuditLog.js";
import { DEFAULT_PIDS_LIMIT, type Sandbox, type SandboxReadiness, type SandboxRunOptions, type SandboxRunResult } from "./types.js";

/** Wraps a backend so that every run, refused, failed or finished, lands in the audit log. */
export class AuditedSandbox implements Sandbox {
  private log: AuditLog | null | undefined;

  constructor(
    private readonly inner: Sandbox,
    private readonly cacheDir: string,
    private readonly logger: Logger,
  ) {}

  get backend(): Sandbox["backend"] {
    return this.inner.backend;
  }

  readiness(): Promise<SandboxReadiness> {
    return this.inner.readiness();
  }

  async run(options: SandboxRunOptions): Promise<SandboxRunResult> {
    const startedAt = new Date().toISOString();
    const began = performance.now();
    try {
      const result = await this.inner.run(options);
      this.write(options, startedAt, result, null, result.durationMs);
      return result;
    } catch (error) {
      this.write(options, startedAt, null, errorMessage(error).split("\n")[0] ?? "error", Math.round(performance.now() - began));
      throw error;
    }
  }

  async dispose(): Promise<void> {
    this.log?.close();
    this.log = undefined;
    await this.inner.dispose();
  }

  private write(options: SandboxRunOptions, startedAt: string, result: SandboxRunResult | null, error: string | null, durationMs: number): void {
    const log = this.open();
    if (!log) return;
    try {
      log.record({
        startedAt,
        backend: this.inner.backend,
        image: this.inner.backend === "docker" ? options.image ?? null : null,
        command: options.cmd,
        projectDir: options.projectDir,
        overlayFiles: options.overlay?.size ?? 0,
        timeoutMs: options.timeoutMs,
        memoryMb: options.memoryMb,
        pidsLimit: options.pidsLimit ?? DEFAULT_PIDS_LIMIT,
        network: options.network,
        exitCode: result?.exitCode ?? null,
        timedOut: result?.timedOut ?? false,
        oomKilled: result?.oomKilled ?? false,
        durationMs,
        stdout: result?.stdout ?? "",
        stderr: result?.stderr ?? "",
        error,
      });
    } catch (writeError) {
      this.logger.warn(`dhi: could not write the sandbox audit log ${log.file}: ${errorMessage(writeError)}`);
    }
  }

  /** Opened on first use; a cache folder we cannot write costs the audit trail a warning, not the run. */
  private open(): AuditLog | null {
    if (this.log !== undefined) return this.log;
    try {
      this.log = AuditLog.inCacheDir(this.cacheDir);
    } catch (error) {
      this.logger.warn(`dhi: could not open the sandbox audit log in ${this.cacheDir}: ${errorMessage(error)}`);
      this.log = null;
    }
    return this.log;
  }
}
