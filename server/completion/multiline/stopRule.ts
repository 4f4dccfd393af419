import type { OnText } from "../../inference/types.js";
import { removeRepetition } from "../postprocess/removeRepetition.js";
import type { FilterContext } from "../postprocess/types.js";
import { scopeCut } from "./scopeCut.js";

/**
 * The early stop passed to the engine's `onText`: generation ends as soon as the filters would cut the rest
 * anyway, so no time is spent on tokens nobody will see.
 * - single line: at the first newline;
 * - multi-line: when the model dedents out of the cursor's block, writes the line below the cursor again,
 *   or starts repeating itself.
 */
export function stopRule(context: FilterContext): OnText {
  if (!context.multiline) return (text) => (text.includes("\n") ? "stop" : undefined);
  const scope = { linePrefix: context.linePrefix, tabWidth: context.indent.kind === "tabs" ? 4 : context.indent.width };
  const nextLine = context.nextLines.find((line) => line.trim().length > 0)?.trimEnd();
  let checkedLines = 0;
  return (text) => {
    if (scopeCut(text, scope, false) !== null) return "stop";
    const newline = text.lastIndexOf("\n");
    if (newline < 0) return undefined;
    const complete = text.slice(0, newline);
    const lines = complete.split("\n");
    if (lines.length === checkedLines) return undefined; // no new complete line since the last check
    checkedLines = lines.length;
    if (nextLine !== undefined && lines.length > 1 && lines[lines.length - 1].trimEnd() === nextLine) return "stop";
    if (removeRepetition(complete) !== complete) return "stop";
    return undefined;
  };
}
