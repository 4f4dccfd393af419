import { AgentRequestError } from "./AgentRequestError.js";

/** Undo refuses when a file no longer holds what the run wrote (not applied, or edited since). */
export class UndoConflictError extends AgentRequestError {
  override readonly name = "UndoConflictError";
  constructor(readonly runId: string, readonly path: string, reason: string) {
    super(`dhi: cannot undo run "${runId}": ${path} ${reason}`);
  }
}
