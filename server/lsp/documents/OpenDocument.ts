import type { TextDocumentContentChangeEvent, TextDocumentsConfiguration } from "vscode-languageserver/node";
import type { Position, Range, TextDocument } from "vscode-languageserver-textdocument";
import type { ChunkedText } from "../../text/ChunkedText.js";
import { chunkedTextOf } from "./longTexts.js";

/**
 * An open document as `TextDocuments` keeps it: the `TextDocument` interface over a `ChunkedText`, so an
 * incremental edit costs what the edit touches, not the document's size (see text/ChunkedText.ts).
 */
export class OpenDocument implements TextDocument {
  private text: ChunkedText;

  constructor(readonly uri: string, readonly languageId: string, private currentVersion: number, content: string) {
    this.text = chunkedTextOf(content);
  }

  get version(): number {
    return this.currentVersion;
  }

  get lineCount(): number {
    return this.text.lineCount;
  }

  /** Length in UTF-16 code units, without building the whole text. */
  get length(): number {
    return this.text.length;
  }

  getText(range?: Range): string {
    return range ? this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end)) : this.text.toString();
  }

  /** The text between two offsets, read from the chunks they span only. */
  slice(start: number, end: number): string {
    return this.text.slice(start, end);
  }

  offsetAt(position: Position): number {
    return this.text.offsetAt(position);
  }

  positionAt(offset: number): Position {
    return this.text.positionAt(offset);
  }

  getLineRange(line: number): Range {
    if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const at = Math.min(line, this.text.lineCount - 1);
    const { start, contentEnd } = this.text.lineBounds(at);
    return { start: { line: at, character: 0 }, end: { line: at, character: (at === line ? contentEnd : this.text.length) - start } };
  }

  getEOLCharacters(line: number): string {
    if (line < 0 || line >= this.text.lineCount) return "";
    const { contentEnd, end } = this.text.lineBounds(line);
    return this.text.slice(contentEnd, end);
  }

  /** Applies didChange content changes in order, as vscode-languageserver-textdocument's `update` does. */
  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if (isIncremental(change)) this.text.edit(change.range.start, change.range.end, change.text);
      else if (isFull(change)) this.text = chunkedTextOf(change.text);
      else throw new Error("Unknown change event received");
    }
    this.currentVersion = version;
  }
}

type IncrementalChange = { range: Range; rangeLength?: number; text: string };

function isIncremental(change: TextDocumentContentChangeEvent): change is IncrementalChange {
  const candidate = change as Partial<IncrementalChange> | null | undefined;
  return typeof candidate?.text === "string" && candidate.range !== undefined && (candidate.rangeLength === undefined || typeof candidate.rangeLength === "number");
}

function isFull(change: TextDocumentContentChangeEvent): change is { text: string } {
  const candidate = change as Partial<IncrementalChange> | null | undefined;
  return typeof candidate?.text === "string" && candidate.range === undefined && candidate.rangeLength === undefined;
}

/** What `new TextDocuments(...)` takes: open documents as `OpenDocument`s. */
export const OPEN_DOCUMENTS: TextDocumentsConfiguration<OpenDocument> = {
  create: (uri, languageId, version, content) => new OpenDocument(uri, languageId, version, content),
  update: (document, changes, version) => {
    document.update(changes, version);
    return document;
  },
};

/** A document's length without building its text (OpenDocument keeps it; any other TextDocument is a string). */
export function documentLength(document: TextDocument): number {
  return document instanceof OpenDocument ? document.length : document.getText().length;
}
