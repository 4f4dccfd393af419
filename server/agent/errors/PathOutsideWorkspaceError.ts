import { AgentRequestError } from "./AgentRequestError.js";

/** A path the agent was asked to read or write lies outside the workspace folder. */
export class PathOutsideWorkspaceError extends AgentRequestError {
  override readonly name = "PathOutsideWorkspaceError";
  constructor(readonly path: string) {
    super(`dhi: the path "${path}" is outside the workspace; the agent only works inside it`);
  }
}
