import type { ChangeGate } from "../tools/changeFiles.js";
import type { AgentDeps, RunSnapshot, WorkState } from "../types.js";

/** What every state handler gets: the run's dependencies and its snapshot, which the handler updates. */
export interface StateContext {
  deps: AgentDeps;
  snapshot: RunSnapshot;
  gate: ChangeGate;
}

/** A state does its work, writes its results into the snapshot, and names the next state. */
export type StateHandler = (context: StateContext) => Promise<WorkState>;
