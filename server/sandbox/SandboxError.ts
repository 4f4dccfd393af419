/** A run that cannot happen (no engine, missing image, bad command): its message is one line for the user. */
export class SandboxError extends Error {
  override readonly name = "SandboxError";
}
