import { createSandbox, type CreateSandboxOptions } from "./createSandbox.js";
import type { Sandbox, SandboxReadiness } from "./types.js";

/** For `dhi doctor`: is the configured backend able to run tests here? Never throws. */
export async function checkSandboxReadiness(options: CreateSandboxOptions): Promise<SandboxReadiness> {
  let sandbox: Sandbox | undefined;
  try {
    sandbox = createSandbox(options);
    return await sandbox.readiness();
  } catch (error) {
    return { backend: options.settings.backend, ready: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    await sandbox?.dispose();
  }
}
