// Queries a workspace gives about itself, of two kinds. Prose: a function's doc comment (or docstring) as the
// query and that function's chunk as the answer; the chunk's text with the doc comment blanked out is what the
// rankers see of the answer, so no ranker is credited for matching the query against itself. Code: the lines
// around a call of the function in another chunk, as when completing or searching from code.

export interface CalibrationChunk {
  id: number;
  kind: string;
  symbol: string | null;
  text: string;
}

export interface CalibrationQuery {
  chunkId: number;
  /** The doc comment's prose, or the lines of a call site. */
  query: string;
  /** The answer chunk's text as the rankers see it: for prose, with the doc comment's lines emptied. */
  heldOut: string;
}

/** Which fusion weights a query gets: code (a statement, an assignment, a member call) or prose. */
export type QueryKind = "prose" | "code";

/** Characters that are dense in code and sparse in prose, even prose that mentions `parse()`. */
const CODE_PUNCTUATION = /[(){}[\];=<>!&|+*/%]/g;

export function queryKind(query: string): QueryKind {
  // `code` in backticks is a prose mention of code, not code.
  const text = query.replace(/`[^`\n]*`/g, " ");
  // Indented lines are code. Not `x = y` alone: prose writes "k = 60" too.
  if (/;\s*(\n|$)|[{}]|=>|[\w$]\.[\w$]+\(|\n[ \t]+\S/.test(text)) return "code";
  const dense = (text.match(CODE_PUNCTUATION)?.length ?? 0) / Math.max(1, text.replace(/\s/g, "").length);
  return dense > 0.15 ? "code" : "prose";
}

/** A call of `chunk`'s function in `caller`: the call's line and the two above it; null when none is found. */
export function callSiteQuery(chunk: CalibrationChunk, caller: { id: number; text: string }): CalibrationQuery | null {
  const name = chunk.symbol?.split(/[.:]+/).pop();
  if (!name || name.length < 3 || caller.id === chunk.id) return null;
  // Symbol names come from the repository (C++'s `operator++` among them): every metacharacter escaped.
  const call = new RegExp(`(^|[^\\w$])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*\\(`);
  const lines = caller.text.split("\n");
  const i = lines.findIndex((l) => call.test(l) && !/^\s*(\*|\/\/|#|def\s|function\s)/.test(l));
  if (i < 0) return null;
  return { chunkId: chunk.id, query: lines.slice(Math.max(0, i - 2), i + 1).join("\n"), heldOut: chunk.text };
}

const MIN_WORDS = 4;
const MAX_DOC_LINES = 40;

/** A `/** … *\/`, `///`, `//` or `#` comment block at the top of the chunk, or a docstring below a `def` line. */
export function calibrationQuery(chunk: CalibrationChunk): CalibrationQuery | null {
  if (chunk.kind !== "function" && chunk.kind !== "method") return null;
  const lines = chunk.text.split("\n");
  const doc = leadingComment(lines) ?? docstring(lines);
  if (!doc) return null;
  // Bounded: `[^}]+` retried from every `{@link` of a long unclosed run (quadratic).
  const query = doc.prose.replace(/\{@link\s+([^}]{1,200})\}/g, "$1").replace(/\s+/g, " ").trim();
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
      prose.push(withoutCommentEnds(line).replace(/^\*+\s?/, ""));
      if (line.endsWith("*/")) return withProse(start, i, prose);
    }
    return null;
  }
  const marker = /^(\/\/\/?|#)(?![!\[])/;
  for (; i < lines.length && marker.test(lines[i].trim()) && i - start < MAX_DOC_LINES; i++) prose.push(lines[i].trim().replace(marker, ""));
  return i > start ? withProse(start, i - 1, prose) : null;
}

/** The line without a leading `/*` (any number of `*`) and a trailing `*\/` (the same), scanned, not matched. */
function withoutCommentEnds(line: string): string {
  // `\*+\/$` was retried from every `*` of a long run of them (quadratic per line).
  let text = line.replace(/^\/\*+/, "");
  if (text.endsWith("*/")) {
    let end = text.length - 1;
    while (end > 0 && text[end - 1] === "*") end--;
    text = text.slice(0, end);
  }
  return text;
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
