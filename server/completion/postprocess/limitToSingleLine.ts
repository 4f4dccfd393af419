import type { Filter } from "./types.js";

/** Single-line mode keeps only the rest of the cursor line (llm-ls). */
export const limitToSingleLineFilter: Filter = {
  name: "limitToSingleLine",
  apply(candidate, context) {
    if (context.multiline) return candidate;
    const newline = candidate.text.indexOf("\n");
    return newline < 0 ? candidate : { ...candidate, text: candidate.text.slice(0, newline) };
  },
};
