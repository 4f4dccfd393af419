import type { TextDocument } from "vscode-languageserver-textdocument";
import { shiftResult } from "../../completion/shiftResult.js";
import type { CompletionResult } from "../../completion/types.js";
import { documentLength, OpenDocument } from "./OpenDocument.js";

// A document over index.maxFileBytes is completed from a window around the cursor (completion/context/
// largeDocument.ts: 32 K before, 8 K after). Building its whole text for each request would cost more than the
// completion (~150 ms for 20 MB on a shared core), so lsp/ hands the service a span that reaches past that window
// on both sides: the service cuts the very window it would cut from the whole text.
const REACH_BEFORE = 40 * 1024;
const REACH_AFTER = 16 * 1024;

export interface CompletionSpan {
  text: string;
  /** The cursor, in `text`. */
  offset: number;
  /** Where `text` starts in the document. */
  start: number;
  /** Set when `text` is a span of a larger document: the document's length. */
  documentLength?: number;
}

/** The text a completion at `offset` reads: the whole document, or a span of one longer than `maxLength`. */
export function completionSpan(document: TextDocument, offset: number, maxLength: number): CompletionSpan {
  const length = documentLength(document);
  if (length <= maxLength) return { text: document.getText(), offset, start: 0 };
  const start = Math.max(0, offset - REACH_BEFORE);
  const end = Math.min(length, offset + REACH_AFTER);
  const text = document instanceof OpenDocument ? document.slice(start, end) : document.getText().slice(start, end);
  return { text, offset: offset - start, start, documentLength: length };
}

/** A result computed on a span, with its offsets (and its alternatives') in the whole document. */
export function inDocument(result: CompletionResult | null, span: CompletionSpan): CompletionResult | null {
  return result && shiftResult(result, span.start);
}
