import { ChunkedText, type ChunkedTextBuilder } from "../../text/ChunkedText.js";

// Long strings of a streamed frame (protocol/StreamedBody.ts) travel through vscode-jsonrpc and TextDocuments as
// V8 ropes, which cost nothing until read. When such a string reaches OpenDocument it is taken back as the chunks
// it was built from, so a 20 MB didOpen never becomes one flat string.

/** The few most recent (a long string that is not a document's text is dropped as later ones arrive). */
const KEEP = 4;
const remembered: Array<{ text: string; builder: ChunkedTextBuilder }> = [];

/** The builder's text as a rope, remembered so that `chunkedTextOf` can take it back as chunks. */
export function rememberLongText(builder: ChunkedTextBuilder): string {
  const text = builder.rope();
  remembered.push({ text, builder });
  if (remembered.length > KEEP) remembered.shift();
  return text;
}

/** `text` as a ChunkedText: from its chunks when it came from a streamed frame, else cut now. */
export function chunkedTextOf(text: string): ChunkedText {
  // Compared by identity first (V8 checks the pointer, then the length), so no rope is flattened here.
  const index = remembered.findIndex((entry) => entry.text === text);
  if (index < 0) return new ChunkedText(text);
  const [entry] = remembered.splice(index, 1);
  return new ChunkedText(entry!.builder);
}
