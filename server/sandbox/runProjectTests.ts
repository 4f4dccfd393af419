import { resolve } from "node:path";
import type { SandboxSettings } from "../config/schema.js";
import type { Logger } from "../util/logger.js";
import { createSandbox } from "./createSandbox.js";
import { baseSandboxEnv, detectProject } from "./projectKind.js";
import { SandboxError } from "./SandboxError.js";
import type { Sandbox, SandboxRunResult } from "./types.js";

export interface RunProjectTestsOptions {
  projectDir: string;
  /** The `sandbox` section of the settings. */
  settings: SandboxSettings;
  logger: Logger;
  /** Workspace cache folder; the audit log goes there. */
  cacheDir: string;
  /** Overrides `sandbox.testCommand` and the auto-detected command. */
  testCommand?: string;
  /** Edited files to test instead of the user's (the user's files are never touched). */
  overlay?: Map<string, string | null>;
  signal?: AbortSignal;
  /** One short line per step, for `$/progress`. */
  onProgress?: (message: string) => void;
  /** Where DOCKER_HOST is read from. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** A sandbox to reuse; by default one is made for this run and disposed after it. */
  sandbox?: Sandbox;
}

export interface ProjectTestRun extends SandboxRunResult {
  command: string;
  image: string | null;
}

/** What `dhi test`, `dhi.tests.run` and the agent's verify step call: the project's tests, in the sandbox. */
export async function runProjectTests(options: RunProjectTestsOptions): Promise<ProjectTestRun> {
  const { settings, logger } = options;
  const projectDir = resolve(options.projectDir);
  const profile = detectProject(projectDir);
  const command = options.testCommand?.trim() || settings.testCommand?.trim() || profile?.testCommand;
  if (!command) {
    throw new SandboxError(
      `dhi: no test command for ${projectDir}: set sandbox.testCommand (none of package.json, pyproject.toml, setup.py, go.mod, Cargo.toml is there)`,
    );
  }
  if (settings.network) logger.warn("dhi: sandbox.network is true, but the sandbox never has a network; running without one");

  const sandbox = options.sandbox ?? createSandbox({ settings, logger, cacheDir: options.cacheDir, env: options.env });
  const image = sandbox.backend === "docker" ? settings.image ?? profile?.image ?? null : null;
  if (sandbox.backend === "docker" && !image) {
    throw new SandboxError(`dhi: cannot pick a sandbox image for ${projectDir}: set sandbox.image`);
  }
  try {
    options.onProgress?.(`Running \`${command}\` in the ${sandbox.backend} sandbox`);
    const result = await sandbox.run({
      cmd: command,
      projectDir,
      overlay: options.overlay,
      timeoutMs: settings.timeoutMs,
      memoryMb: settings.memoryMb,
      network: false,
      env: { ...baseSandboxEnv(), ...profile?.env },
      signal: options.signal,
      image: image ?? undefined,
      writableDirs: profile?.writableDirs,
    });
    options.onProgress?.(describeOutcome(result));
    return { ...result, command, image };
  } finally {
    if (!options.sandbox) await sandbox.dispose();
  }
}

/** One line for people: passed, failed with code N, timed out, or killed for memory. */
export function describeOutcome(result: SandboxRunResult): string {
  const seconds = (result.durationMs / 1000).toFixed(2);
  if (result.timedOut) return `Tests timed out after ${seconds} s and were killed`;
  if (result.oomKilled) return `Tests were killed for using too much memory (exit ${result.exitCode}, ${seconds} s)`;
  if (result.exitCode === 0) return `Tests passed in ${seconds} s`;
  return `Tests failed with exit code ${result.exitCode} in ${seconds} s`;
}
