import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Docker from "dockerode";
import { defaultSettings, type SandboxSettings } from "../../server/config/schema.js";
import { createSandbox } from "../../server/sandbox/createSandbox.js";
import { dockerEndpoint } from "../../server/sandbox/dockerConnection.js";
import type { Sandbox, SandboxBackend } from "../../server/sandbox/types.js";
import { Logger } from "../../server/util/logger.js";

export const NODE_IMAGE = "dhi-sandbox/node:local";
export const quietLogger = new Logger("error");

export interface EngineStatus {
  ready: boolean;
  detail: string;
}

/** Is the real engine here? Docker also needs the node image that .ci/docker-up.sh builds. */
export async function engineStatus(backend: Exclude<SandboxBackend, "none">): Promise<EngineStatus> {
  if (backend === "docker") {
    const docker = new Docker(dockerEndpoint(process.env).options);
    try {
      await docker.ping();
    } catch (error) {
      return { ready: false, detail: `no Docker engine at ${dockerEndpoint(process.env).describe} (${(error as Error).message}); run .ci/docker-up.sh and source its env.sh` };
    }
    try {
      await docker.getImage(NODE_IMAGE).inspect();
    } catch {
      return { ready: false, detail: `image ${NODE_IMAGE} is missing; run .ci/docker-up.sh` };
    }
    return { ready: true, detail: "docker" };
  }
  const cacheDir = await tempDir("dhi-bwrap-probe-cache-");
  const sandbox = createSandbox({ settings: settingsFor("bwrap"), logger: quietLogger, cacheDir });
  try {
    const readiness = await sandbox.readiness();
    return { ready: readiness.ready, detail: readiness.detail };
  } finally {
    await sandbox.dispose();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

/**
 * CI must have the engine: there a missing one fails loudly. Elsewhere the suite is skipped, saying why.
 * Returns true when the suite should run.
 */
export function shouldRun(name: string, status: EngineStatus): boolean {
  if (status.ready) return true;
  if (process.env.CI) return true; // the suite's beforeAll then fails with the detail
  console.warn(`[dhi] skipping the ${name} sandbox tests: ${status.detail}`);
  return false;
}

export function settingsFor(backend: SandboxBackend, overrides: Partial<SandboxSettings> = {}): SandboxSettings {
  return { ...defaultSettings().sandbox, backend, ...overrides };
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes files (relative path → content) under a new temp folder and returns it. */
export async function makeProject(files: Record<string, string>): Promise<string> {
  const dir = await tempDir("dhi-sandbox-project-");
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
  return dir;
}

export async function removeAll(paths: (string | undefined)[]): Promise<void> {
  for (const path of paths) if (path) await rm(path, { recursive: true, force: true });
}

export function makeSandbox(backend: SandboxBackend, cacheDir: string): Sandbox {
  return createSandbox({ settings: settingsFor(backend), logger: quietLogger, cacheDir });
}

/** Env given to probes; PROBE_GUARD refuses to run without it, so a probe can never run on the host. */
export const PROBE_ENV = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", DHI_PROBE: "inside-sandbox" };

/** First lines of every probe: exit unless we are in the sandbox's /work with the probe env. */
export const PROBE_GUARD = `if (process.env.DHI_PROBE !== "inside-sandbox" || process.cwd() !== "/work") { console.error("probe refused: not in the sandbox"); process.exit(99); }\n`;
