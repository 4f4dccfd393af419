import { randomUUID } from "node:crypto";
import { AbortError, isAbortError, throwIfAborted } from "../util/abort.js";
import { errorMessage } from "../util/logger.js";
import { CheckpointStore } from "./checkpoints/CheckpointStore.js";
import { RunNotFoundError } from "./errors/RunNotFoundError.js";
import { toWorkspacePath } from "./safety/workspacePath.js";
import { complete } from "./states/complete.js";
import { generate } from "./states/generate.js";
import { locate } from "./states/locate.js";
import { plan } from "./states/plan.js";
import type { StateContext, StateHandler } from "./states/StateContext.js";
import { understand } from "./states/understand.js";
import { verify } from "./states/verify.js";
import type { AgentDeps, AgentOutcome, RunSnapshot, WorkState } from "./types.js";

const HANDLERS: Record<WorkState, StateHandler> = {
  UNDERSTAND: understand,
  LOCATE: locate,
  PLAN: plan,
  GENERATE: generate,
  VERIFY: verify,
  COMPLETE: complete,
};

const PROGRESS: Record<WorkState, [number, string]> = {
  UNDERSTAND: [5, "classifying the instruction"],
  LOCATE: [15, "finding the code to change"],
  PLAN: [30, "planning single-symbol edits"],
  GENERATE: [40, "generating candidates"],
  VERIFY: [65, "verifying on an overlay (parse, checks, tests)"],
  COMPLETE: [95, "preparing the result"],
};

export interface StartRunInput {
  instruction: string;
  /** Absolute or workspace-relative paths (from `uris`); paths outside the workspace are refused. */
  paths?: string[];
  apply?: boolean;
}

function newSnapshot(deps: AgentDeps, input: StartRunInput): RunSnapshot {
  const notes: string[] = [];
  const paths: string[] = [];
  for (const p of input.paths ?? []) {
    try {
      paths.push(toWorkspacePath(deps.root, p));
    } catch {
      notes.push(`refused: "${p}" is outside the workspace`);
    }
  }
  return {
    runId: randomUUID(),
    request: { instruction: input.instruction, paths, apply: input.apply ?? false },
    state: "UNDERSTAND",
    resumeFrom: "UNDERSTAND",
    intent: null,
    targets: [],
    plan: [],
    iteration: 0,
    candidates: {},
    attempts: [],
    feedback: null,
    baseline: null,
    notes,
    outcome: null,
    error: null,
    owner: process.pid,
  };
}

/** Runs the FSM from the snapshot's state, checkpointing every transition, until DONE. */
async function drive(deps: AgentDeps, store: CheckpointStore, snapshot: RunSnapshot): Promise<AgentOutcome> {
  const context: StateContext = {
    deps,
    snapshot,
    gate: { root: deps.root, instruction: snapshot.request.instruction, protectedPaths: deps.settings.protectedPaths },
  };
  let state = snapshot.state as WorkState;
  for (;;) {
    const [percentage, what] = PROGRESS[state];
    deps.onProgress?.({ message: `dhi agent: ${state} — ${what}`, percentage });
    let next: WorkState;
    try {
      throwIfAborted(deps.signal);
      next = await HANDLERS[state](context);
      throwIfAborted(deps.signal);
    } catch (error) {
      const cancelled = isAbortError(error) || deps.signal?.aborted === true;
      snapshot.state = cancelled ? "CANCELLED" : "FAILED";
      snapshot.resumeFrom = state;
      snapshot.error = cancelled ? "cancelled" : errorMessage(error);
      store.record(snapshot, state);
      if (cancelled) throw error instanceof AbortError ? error : new AbortError();
      throw error;
    }
    if (state === "COMPLETE") {
      snapshot.state = "DONE";
      store.record(snapshot, "COMPLETE");
      deps.afterCheckpoint?.(snapshot);
      return snapshot.outcome as AgentOutcome;
    }
    snapshot.state = next;
    snapshot.resumeFrom = next;
    store.record(snapshot, state);
    // Outside the try: a throwing hook simulates a crash, which records nothing.
    deps.afterCheckpoint?.(snapshot);
    state = next;
  }
}

/** `dhi.agent.run`: starts a run and drives it to the end. */
export async function startRun(deps: AgentDeps, input: StartRunInput): Promise<AgentOutcome> {
  const store = CheckpointStore.open(deps.cacheDir);
  try {
    const snapshot = newSnapshot(deps, input);
    store.record(snapshot, null);
    deps.afterCheckpoint?.(snapshot);
    return await drive(deps, store, snapshot);
  } finally {
    store.close();
  }
}

/** `dhi.agent.resume`: continues a run from its last checkpoint (after a crash, a restart or a cancellation). */
export async function resumeRun(deps: AgentDeps, runId: string): Promise<AgentOutcome> {
  const store = CheckpointStore.open(deps.cacheDir);
  try {
    const snapshot = store.load(runId);
    if (!snapshot) throw new RunNotFoundError(runId);
    if (snapshot.state === "DONE" && snapshot.outcome) return snapshot.outcome;
    const from = snapshot.state;
    const state: WorkState = from === "CANCELLED" || from === "FAILED" || from === "DONE" ? snapshot.resumeFrom : from;
    snapshot.state = state;
    snapshot.error = null;
    snapshot.owner = process.pid;
    snapshot.notes.push(`resumed at ${state}`);
    store.record(snapshot, from);
    return await drive(deps, store, snapshot);
  } finally {
    store.close();
  }
}

/** The checkpoint trail of a run (for tests, diagnostics and the CLI). */
export function runTrail(cacheDir: string, runId: string) {
  const store = CheckpointStore.open(cacheDir);
  try {
    return store.transitions(runId);
  } finally {
    store.close();
  }
}
