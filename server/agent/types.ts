// Plain data shared by the agent's states, tools and checkpoints. Everything here is JSON-serialisable,
// because each state transition is checkpointed and a run must be resumable from its last snapshot.
// Architecture invariant: agent/ knows nothing about LSP; lsp/protocol/convert.ts builds the WorkspaceEdit.

import type { AgentSettings } from "../config/schema.js";
import type { CodeIndex } from "../index/types.js";
import type { InferenceEngine } from "../inference/types.js";
import type { FileChange } from "../text/fileChange.js";
import type { Logger } from "../util/logger.js";
import type { OnProgress } from "../util/progress.js";

/** The agent hands its changes up in the shared shape (`text/fileChange.ts`); lsp/ makes the WorkspaceEdit. */
export type { FileChange };

/** The harness-owned states, in order; VERIFY may loop back to GENERATE. */
export const AGENT_STATES = ["UNDERSTAND", "LOCATE", "PLAN", "GENERATE", "VERIFY", "COMPLETE"] as const;
export type WorkState = (typeof AGENT_STATES)[number];
/** Terminal states besides COMPLETE: the run was cancelled (resumable) or hit an error (resumable). */
export type AgentState = WorkState | "DONE" | "CANCELLED" | "FAILED";

export const INTENTS = ["edit", "fix", "add", "refactor", "rename", "explain"] as const;
export type Intent = (typeof INTENTS)[number];

export interface AgentRequest {
  instruction: string;
  /** Workspace-relative paths the user pointed at (from `uris`). */
  paths: string[];
  apply: boolean;
}

/** A place the harness may edit: one symbol (or a whole file when it has no symbols). */
export interface Target {
  /** Workspace-relative, "/" separators. */
  path: string;
  symbol: string | null;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** Why LOCATE picked it: `uri`, `search`, `test-failure`, `reference`, `instruction`. */
  reason: string;
  score: number;
}

export interface PlanStep {
  id: number;
  kind: "modify" | "create" | "delete";
  target: Target;
  /** What to do to this symbol, one line. */
  goal: string;
}

export interface Candidate {
  /** Replacement text of the step's span (whole file for create). */
  text: string;
  parsed: boolean;
  syntaxErrors: string[];
  /** How it was produced, e.g. `t=0.0 seed=1`. */
  origin: string;
}

export interface CheckResult {
  name: string;
  ran: boolean;
  passed: boolean;
  output: string;
}

export interface TestReport {
  ran: boolean;
  passed: number;
  failed: number;
  output: string;
  exitCode: number | null;
  timedOut: boolean;
}

export interface Verification {
  parsed: boolean;
  syntaxErrors: string[];
  checks: CheckResult[];
  tests: TestReport;
}

export interface Attempt {
  iteration: number;
  variant: number;
  changes: FileChange[];
  verification: Verification;
  ok: boolean;
  /** Structured feedback for the next GENERATE when it failed. */
  feedback: string;
}

/** What the agent core returns; lsp/ converts it (`lsp/agentRunResult.ts`), for the CLI's --json too. */
export interface AgentOutcome {
  runId: string;
  changes: FileChange[];
  summary: string;
  verified: { parsed: boolean; tests: { ran: boolean; passed: number; failed: number; output: string }; checks: CheckResult[] };
  iterations: number;
  /** False when the change did not pass verification: it is then marked unverified (or empty). */
  ok: boolean;
  intent: Intent;
  notes: string[];
  /** The request asked to apply the edit (the caller applies it; the core never writes files). */
  apply: boolean;
}

/** The full state of one run, stored at every transition. */
export interface RunSnapshot {
  runId: string;
  request: AgentRequest;
  state: AgentState;
  /** The state to continue from after CANCELLED/FAILED. */
  resumeFrom: WorkState;
  intent: Intent | null;
  targets: Target[];
  plan: PlanStep[];
  iteration: number;
  /** Per plan step id, the candidates of the current iteration. */
  candidates: Record<number, Candidate[]>;
  attempts: Attempt[];
  /** Feedback from the last failed attempt, fed into the next GENERATE prompt. */
  feedback: string | null;
  /** Tests before any change, for the fix intent (what LOCATE reads failures from). */
  baseline: TestReport | null;
  notes: string[];
  outcome: AgentOutcome | null;
  error: string | null;
  /** The pid of the process driving the run: a run left mid-state by a dead owner was interrupted. */
  owner?: number;
}

/** Runs the project's tests on an overlay of the workspace (the user's files stay untouched). */
export interface TestRunner {
  /** A one-line description, e.g. `npm test in dhi-sandbox/node:local (docker)`. */
  readonly description: string;
  run(overlay: Map<string, string | null>, signal?: AbortSignal): Promise<TestReport>;
  /** Extra checks (lint, typecheck) when the project configures them. */
  checks?(overlay: Map<string, string | null>, signal?: AbortSignal): Promise<CheckResult[]>;
}

/** Everything a run needs; built by the LSP command or the CLI. */
export interface AgentDeps {
  /** Absolute workspace root. */
  root: string;
  settings: AgentSettings;
  /** null when no model is configured: the harness then cannot generate and says so. */
  engine: InferenceEngine | null;
  index: CodeIndex | null;
  /** null when no sandbox backend is ready: tests are reported as not run. */
  tests: TestRunner | null;
  /** The workspace cache folder (checkpoints live there). */
  cacheDir: string;
  logger: Logger;
  onProgress?: OnProgress;
  signal?: AbortSignal;
  /** Test hook: called after each checkpoint; throwing simulates a crash between states. */
  afterCheckpoint?: (snapshot: RunSnapshot) => void;
}
