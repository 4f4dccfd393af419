import { AgentRequestError } from "./AgentRequestError.js";

/** `dhi.agent.resume` / `dhi.agent.undo` named a run id that has no checkpoint. */
export class RunNotFoundError extends AgentRequestError {
  override readonly name = "RunNotFoundError";
  constructor(readonly runId: string) {
    super(`dhi: no agent run "${runId}" in this workspace's checkpoints`);
  }
}
