import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandboxTestRunner } from "../../../server/agent/tools/runTests.js";
import type { AgentDeps } from "../../../server/agent/types.js";
import { AgentSettingsSchema, SandboxSettingsSchema, type AgentSettings } from "../../../server/config/schema.js";
import type { InferenceEngine } from "../../../server/inference/types.js";
import { createSandbox } from "../../../server/sandbox/createSandbox.js";
import type { Sandbox } from "../../../server/sandbox/types.js";
import { Logger } from "../../../server/util/logger.js";

export const logger = new Logger("error");

export interface SandboxProbe {
  sandbox: Sandbox | null;
  reason: string;
}

/**
 * The real Docker sandbox when it is ready. Locally, without Docker, sandbox cases are skipped;
 * with CI set, a missing sandbox is a failure (the caller asserts on `reason`).
 */
export async function probeSandbox(): Promise<SandboxProbe> {
  try {
    const sandbox = createSandbox({ settings: SandboxSettingsSchema.parse({ backend: "docker" }), logger, cacheDir: mkdtempSync(join(tmpdir(), "dhi-sbx-")) });
    const readiness = await sandbox.readiness();
    if (readiness.ready) return { sandbox, reason: readiness.detail };
    await sandbox.dispose();
    return { sandbox: null, reason: readiness.detail };
  } catch (error) {
    return { sandbox: null, reason: error instanceof Error ? error.message : String(error) };
  }
}

export interface TestDepsOptions {
  root: string;
  engine: InferenceEngine | null;
  sandbox: Sandbox | null;
  agent?: Partial<AgentSettings>;
  cacheDir?: string;
  signal?: AbortSignal;
  afterCheckpoint?: AgentDeps["afterCheckpoint"];
}

export function testDeps(options: TestDepsOptions): AgentDeps & { progress: string[] } {
  const cacheDir = options.cacheDir ?? mkdtempSync(join(tmpdir(), "dhi-agent-cache-"));
  const progress: string[] = [];
  const tests = options.sandbox
    ? createSandboxTestRunner({ sandbox: options.sandbox, root: options.root, settings: SandboxSettingsSchema.parse({ backend: "docker" }), logger, cacheDir })
    : null;
  return {
    root: options.root,
    settings: AgentSettingsSchema.parse({ candidates: 1, ...options.agent }),
    engine: options.engine,
    index: null,
    tests,
    cacheDir,
    logger,
    signal: options.signal,
    afterCheckpoint: options.afterCheckpoint,
    onProgress: (p) => progress.push(p.message),
    progress,
  };
}
