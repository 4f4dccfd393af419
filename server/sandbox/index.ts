// The sandbox's public surface, for the CLI, the language server and the agent.
export { createSandbox, type CreateSandboxOptions } from "./createSandbox.js";
export { runProjectTests, describeOutcome, type RunProjectTestsOptions, type ProjectTestRun } from "./runProjectTests.js";
export { checkSandboxReadiness } from "./readiness.js";
export { SandboxError } from "./SandboxError.js";
export { AuditLog, AUDIT_FILE, type AuditEntry, type AuditRow } from "./AuditLog.js";
export { detectProject, type ProjectProfile } from "./projectKind.js";
export type { Sandbox, SandboxBackend, SandboxReadiness, SandboxRunOptions, SandboxRunResult } from "./types.js";
