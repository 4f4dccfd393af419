import {
  CompletionItemKind,
  InsertTextFormat,
  type CompletionItem,
  type CompletionList,
  type InlineCompletionItem,
} from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { CompletionResult } from "../completion/types.js";
import { rangeOf } from "./protocol/convert.js";

const ACCEPTED_COMMAND = "dhi.completion.accepted";

/** Identifier characters: clients filter completion items by the word before the cursor. */
function wordStart(text: string, offset: number): number {
  let start = offset;
  while (start > 0 && /[\p{L}\p{N}_$]/u.test(text[start - 1])) start--;
  return start;
}

/**
 * One completion item whose textEdit covers the whole multi-line text. It starts at the word before the
 * cursor, and its filterText equals that word plus the completion, so client-side filtering keeps it.
 */
export function toCompletionList(document: TextDocument, result: CompletionResult | null): CompletionList {
  if (!result) return { isIncomplete: true, items: [] };
  // The word before the insertion never spans lines: read its line only, never a huge document's whole text.
  const at = document.positionAt(result.replaceStart);
  const before = document.getText({ start: { line: at.line, character: 0 }, end: at });
  const word = before.slice(wordStart(before, before.length));
  const start = result.replaceStart - word.length;
  const newText = word + result.text;
  const firstLine = newText.split("\n")[0];
  const label = (firstLine.trim() || newText.trim()).slice(0, 80);
  const item: CompletionItem = {
    label,
    kind: CompletionItemKind.Text,
    detail: "dhi",
    documentation: { kind: "markdown", value: "```\n" + newText + "\n```" },
    insertTextFormat: InsertTextFormat.PlainText,
    textEdit: { range: rangeOf(document, start, result.replaceEnd), newText },
    filterText: newText,
    sortText: "0",
    preselect: true,
    command: { title: "dhi: completion accepted", command: ACCEPTED_COMMAND, arguments: [{ id: result.id }] },
    data: { dhiCompletionId: result.id },
  };
  return { isIncomplete: true, items: [item] };
}

/** The completion, then its alternative suggestions (`completion.suggestions`), each with its own accept command. */
export function toInlineCompletionItems(document: TextDocument, result: CompletionResult | null): InlineCompletionItem[] {
  if (!result) return [];
  return [result, ...(result.alternatives ?? [])].map((suggestion) => ({
    insertText: suggestion.text,
    range: rangeOf(document, suggestion.replaceStart, suggestion.replaceEnd),
    command: { title: "dhi: completion accepted", command: ACCEPTED_COMMAND, arguments: [{ id: suggestion.id }] },
  }));
}
