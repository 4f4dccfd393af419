import type { LanguageName } from "../syntax/index.js";
import type { Cursor } from "../text/Cursor.js";
import { detectIndentStyle } from "../text/indentation.js";
import type { FilterContext } from "./postprocess/types.js";

const NEARBY_LINES = 40;

/** Up to `count` lines after the newline at `lineEnd`, without splitting the whole buffer. */
function linesAfter(text: string, lineEnd: number, count: number): string[] {
  const lines: string[] = [];
  let start = lineEnd + 1;
  while (lineEnd >= 0 && lines.length < count && start <= text.length) {
    const end = text.indexOf("\n", start);
    lines.push(text.slice(start, end < 0 ? text.length : end));
    if (end < 0) break;
    start = end + 1;
  }
  return lines;
}

/** Up to `count` lines before the line starting at `lineStart`, nearest last. */
function linesBefore(text: string, lineStart: number, count: number): string[] {
  const lines: string[] = [];
  let end = lineStart - 1;
  while (end >= 0 && lines.length < count) {
    const start = end === 0 ? 0 : text.lastIndexOf("\n", end - 1) + 1;
    lines.push(text.slice(start, end));
    end = start - 1;
  }
  return lines.reverse();
}

/** Builds what the filters see around the cursor; touches only the lines near it, whatever the buffer size. */
export function cursorContext(cursor: Cursor, multiline: boolean, language: LanguageName | null): FilterContext {
  const { text, offset, lineStart, lineEnd, linePrefix, lineSuffix } = cursor;
  const previousLines = linesBefore(text, lineStart, NEARBY_LINES);
  const nextLines = cursor.hasLineAfter ? linesAfter(text, lineEnd, NEARBY_LINES) : [];
  return {
    prefix: cursor.prefix,
    suffix: cursor.suffix,
    offset,
    linePrefix,
    lineSuffix,
    previousLines,
    nextLines,
    multiline,
    indent: detectIndentStyle([...previousLines, linePrefix + lineSuffix, ...nextLines]),
    language,
  };
}
