// Runs commands in isolation. Implementations: Docker (dockerode), bubblewrap, and `none` (refuses).
// Architecture invariant: sandbox/ knows nothing about LSP, and never falls back to running on the host.

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
}

export interface SandboxRunResult {
  backend: "docker" | "bwrap" | "none";
  exitCode: number;
  timedOut: boolean;
  oomKilled: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
}

export interface SandboxReadiness {
  backend: "docker" | "bwrap" | "none";
  ready: boolean;
  /** One line: what is ready, or what is missing and how to fix it. */
  detail: string;
}

export interface Sandbox {
  readonly backend: "docker" | "bwrap" | "none";
  run(options: SandboxRunOptions): Promise<SandboxRunResult>;
  readiness(): Promise<SandboxReadiness>;
  dispose(): Promise<void>;
}
