// Runs commands in isolation. Implementations: Docker (dockerode), bubblewrap, and `none` (refuses).
// Architecture invariant: sandbox/ knows nothing about LSP, and never falls back to running on the host.

export type SandboxBackend = "docker" | "bwrap" | "none";

export interface SandboxRunOptions {
  /** Shell command, run with `sh -c` inside the sandbox, in the project directory. */
  cmd: string;
  /** Host path of the project; it is copied, never mounted writable. */
  projectDir: string;
  /** Relative path → new content, applied to the copy only (the user's files stay untouched). null deletes. */
  overlay?: Map<string, string | null>;
  timeoutMs: number;
  memoryMb: number;
  network: false;
  /** The only environment the command sees (the host's is never passed through). */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Docker image; ignored by other backends. */
  image?: string;
  /** Project-relative folders that get an empty tmpfs (caches, build output); the source stays read-only. */
  writableDirs?: string[];
  /** Most processes the sandbox may hold at once. Defaults to 256. */
  pidsLimit?: number;
  /** Bytes kept of each of stdout and stderr (head + tail). Defaults to 64 KiB. */
  outputLimitBytes?: number;
}

export interface SandboxRunResult {
  backend: SandboxBackend;
  exitCode: number;
  timedOut: boolean;
  oomKilled: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr was cut to its head and tail. */
  truncated?: boolean;
}

export interface SandboxReadiness {
  backend: SandboxBackend;
  ready: boolean;
  /** One line: what is ready, or what is missing and how to fix it. */
  detail: string;
}

export interface Sandbox {
  readonly backend: SandboxBackend;
  run(options: SandboxRunOptions): Promise<SandboxRunResult>;
  readiness(): Promise<SandboxReadiness>;
  dispose(): Promise<void>;
}

export const DEFAULT_PIDS_LIMIT = 256;
export const DEFAULT_OUTPUT_LIMIT_BYTES = 64 * 1024;
/** Where the project copy appears inside every backend. */
export const SANDBOX_WORKDIR = "/work";
