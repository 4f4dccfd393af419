import type { SandboxSettings } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import { AuditedSandbox } from "./AuditedSandbox.js";
import { BwrapSandbox } from "./BwrapSandbox.js";
import { DockerSandbox } from "./DockerSandbox.js";
import { NoneSandbox } from "./NoneSandbox.js";
import { DEFAULT_IMAGES } from "./projectKind.js";
import type { Sandbox } from "./types.js";

export interface CreateSandboxOptions {
  settings: SandboxSettings;
  logger: Logger;
  /** Where the audit log lives (the workspace cache folder). */
  cacheDir: string;
  env?: NodeJS.ProcessEnv;
}

/** Builds the configured backend, audited. There is no fallback: a backend that cannot run says so. */
export function createSandbox(options: CreateSandboxOptions): Sandbox {
  const { settings, logger } = options;
  const env = options.env ?? process.env;
  let inner: Sandbox;
  switch (settings.backend) {
    case "docker":
      inner = new DockerSandbox({ logger, env, expectedImages: settings.image ? [settings.image] : DEFAULT_IMAGES });
      break;
    case "bwrap":
      inner = new BwrapSandbox({ logger });
      break;
    case "none":
      inner = new NoneSandbox();
      break;
  }
  return new AuditedSandbox(inner, options.cacheDir, logger);
}
