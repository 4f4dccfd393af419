/**
 * The action ran but produced no acceptable edit (it would not parse, the model said nothing, nothing to
 * document…). The message starts with `dhi: ` and is shown to the user as is.
 */
export class ActionRejectedError extends Error {
  override readonly name = "ActionRejectedError";
  constructor(message: string) {
    super(message.startsWith("dhi: ") ? message : `dhi: ${message}`);
  }
}
