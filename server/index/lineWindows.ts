import type { ChunkDraft } from "./extractTypes.js";

/** Chunks for files without a grammar: windows of whole lines, preferring to break at blank lines. */
export function lineWindows(lines: string[], firstRow: number, lastRow: number, maxChars: number, maxLines = 60): ChunkDraft[] {
  const chunks: ChunkDraft[] = [];
  let start = firstRow;
  while (start <= lastRow) {
    let end = start;
    let chars = lines[start].length + 1;
    let lastBlank = -1;
    while (end < lastRow && end - start + 1 < maxLines && chars + lines[end + 1].length + 1 <= maxChars) {
      end++;
      chars += lines[end].length + 1;
      if (lines[end].trim() === "") lastBlank = end;
    }
    // Break after the last blank line when the window filled up and one exists in its second half.
    if (end < lastRow && lastBlank > start + (end - start) / 2) end = lastBlank;
    const text = lines.slice(start, end + 1).join("\n");
    if (text.trim() !== "") {
      chunks.push({ startLine: start + 1, endLine: end + 1, symbol: null, kind: "window", parent: null, text });
    }
    start = end + 1;
  }
  return chunks;
}
