import { SandboxError } from "./SandboxError.js";
import type { Sandbox, SandboxReadiness, SandboxRunResult } from "./types.js";

const REFUSAL =
  'dhi: sandbox.backend is "none", so dhi will not run tests or generated code (it never runs them on the host); set sandbox.backend to "docker" or "bwrap"';

/** The configured refusal: never runs anything, never falls back to the host. */
export class NoneSandbox implements Sandbox {
  readonly backend = "none" as const;

  async run(): Promise<SandboxRunResult> {
    throw new SandboxError(REFUSAL);
  }

  async readiness(): Promise<SandboxReadiness> {
    return { backend: "none", ready: false, detail: REFUSAL.replace(/^dhi: /, "") };
  }

  async dispose(): Promise<void> {}
}
