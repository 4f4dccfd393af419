// Queries a workspace gives about itself: a function's doc comment (or docstring) as a natural-language query,
// and that function's chunk as the answer. The chunk's text with the doc comment blanked out is what the rankers
// may see of the answer, so no ranker is credited for matching the query against itself.

export interface CalibrationChunk {
  id: number;
  kind: string;
  symbol: string | null;
  text: string;
}

export interface CalibrationQuery {
  chunkId: number;
  /** The doc comment's prose. */
  query: string;
  /** The chunk text with the doc comment's lines emptied (line count kept). */
  heldOut: string;
}

const MIN_WORDS = 4;
const MAX_DOC_LINES = 40;

/** A `/** … *\/`, `///`, `//` or `#` comment block at the top of the chunk, or a docstring below a `def` line. */
export function calibrationQuery(chunk: CalibrationChunk): CalibrationQuery | null {
  if (chunk.kind !== "function" && chunk.kind !== "method") return null;
  const lines = chunk.text.split("\n");
  const doc = leadingComment(lines) ?? docstring(lines);
  if (!doc) return null;
  const query = doc.prose.replace(/\{@link\s+([^}]+)\}/g, "$1").replace(/\s+/g, " ").trim();
  if (query.split(" ").length < MIN_WORDS) return null;
  const heldOut = lines.map((line, i) => (i >= doc.start && i <= doc.end ? "" : line)).join("\n");
  return { chunkId: chunk.id, query, heldOut };
}

interface DocLines {
  /** 0-based line range within the chunk, inclusive. */
  start: number;
  end: number;
  prose: string;
}

function leadingComment(lines: string[]): DocLines | null {
  let i = 0;
  while (i < lines.length && lines[i].trim() === "") i++;
  const first = lines[i]?.trim() ?? "";
  const start = i;
  const prose: string[] = [];
  if (first.startsWith("/*")) {
    for (; i < lines.length && i - start < MAX_DOC_LINES; i++) {
      const line = lines[i].trim();
      prose.push(line.replace(/^\/\*+|\*+\/$/g, "").replace(/^\*+\s?/, ""));
      if (line.endsWith("*/")) return withProse(start, i, prose);
    }
    return null;
  }
  const marker = /^(\/\/\/?|#)(?![!\[])/;
  for (; i < lines.length && marker.test(lines[i].trim()) && i - start < MAX_DOC_LINES; i++) prose.push(lines[i].trim().replace(marker, ""));
  return i > start ? withProse(start, i - 1, prose) : null;
}

function docstring(lines: string[]): DocLines | null {
  const def = lines.findIndex((l) => /^\s*(async\s+)?def\s/.test(l));
  if (def < 0) return null;
  let open = def + 1;
  // A signature spread over several lines ends at the line ending in ":".
  while (open < lines.length && !/:\s*(#.*)?$/.test(lines[open - 1])) open++;
  const first = lines[open]?.trim() ?? "";
  const quote = first.startsWith('"""') ? '"""' : first.startsWith("'''") ? "'''" : null;
  if (!quote) return null;
  const prose: string[] = [];
  for (let i = open; i < lines.length && i - open < MAX_DOC_LINES; i++) {
    const line = lines[i].trim();
    const body = i === open ? line.slice(3) : line;
    const close = body.indexOf(quote);
    if (close >= 0) {
      prose.push(body.slice(0, close));
      return withProse(open, i, prose);
    }
    prose.push(body);
  }
  return null;
}

/** Tag lines (`@param …`, `:param …:`) describe arguments, not what the function is for: they are dropped. */
function withProse(start: number, end: number, lines: string[]): DocLines {
  const prose = lines.filter((l) => !/^\s*[@:]\w/.test(l)).join(" ");
  return { start, end, prose };
}
