/**
 * A request the caller can fix (an unknown run, an undo conflict, a path outside the workspace): its message is
 * one line saying what to change. The LSP layer answers it as InvalidParams; anything else stays an internal error.
 */
export class AgentRequestError extends Error {}
