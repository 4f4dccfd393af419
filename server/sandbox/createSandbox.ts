import type { SandboxSettings } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import type { Sandbox } from "./types.js";

export interface CreateSandboxOptions {
  settings: SandboxSettings;
  logger: Logger;
  /** Where the audit log lives (the workspace cache folder). */
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
}

/** Builds the configured backend. Placeholder until the sandbox lands. */
export function createSandbox(_options: CreateSandboxOptions): Sandbox {
  throw new Error("dhi: the sandbox is not available in this build yet");
}
