import type { LanguageName } from "../../syntax/index.js";
import type { IndentStyle } from "../../text/indentation.js";

export type { IndentStyle };

/** A completion on its way through the filters. */
export interface Candidate {
  /** Text inserted at the cursor. */
  text: string;
  /** End (exclusive, in the request buffer) of the range the insertion replaces; the cursor offset unless closers are replaced. */
  replaceEnd: number;
}


/** Everything the filters may look at; built once per request by `cursorContext`. */
export interface FilterContext {
  /** Buffer text before the cursor (whole buffer; filters look only at its tail). */
  prefix: string;
  /** Buffer text after the cursor. */
  suffix: string;
  /** Cursor offset in the buffer. */
  offset: number;
  /** Text between the start of the cursor line and the cursor. */
  linePrefix: string;
  /** Text between the cursor and the end of its line. */
  lineSuffix: string;
  /** Up to a few dozen lines after the cursor line. */
  nextLines: string[];
  /** Up to a few dozen lines before the cursor line, nearest last. */
  previousLines: string[];
  multiline: boolean;
  indent: IndentStyle;
  language: LanguageName | null;
}

export interface Filter {
  /** Recorded in `debug.filtersApplied` when the filter changed or dropped the candidate. */
  readonly name: string;
  /** Returns the (possibly changed) candidate, or null to drop it. Pure: no I/O, no state. */
  apply(candidate: Candidate, context: FilterContext): Candidate | null;
}
