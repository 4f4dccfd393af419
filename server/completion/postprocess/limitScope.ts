import { scopeCut } from "../multiline/scopeCut.js";
import type { Filter } from "./types.js";

/** Multi-line mode: cut where the completion dedents out of the cursor's block. */
export const limitScopeFilter: Filter = {
  name: "limitScope",
  apply(candidate, context) {
    if (!context.multiline) return candidate;
    const tabWidth = context.indent.kind === "tabs" ? 4 : context.indent.width;
    const cut = scopeCut(candidate.text, { linePrefix: context.linePrefix, tabWidth }, true);
    return cut === null ? candidate : { ...candidate, text: candidate.text.slice(0, cut) };
  },
};
