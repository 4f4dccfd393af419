// Identifier splitting shared by FTS indexing, FTS queries and reference scanning.

const PART = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;

/** `loadHTTPSettings_v2` → ["load", "http", "settings", "v", "2"], lower-cased. */
export function splitIdentifier(identifier: string): string[] {
  const parts: string[] = [];
  for (const piece of identifier.split(/[_$\-]+/)) {
    for (const m of piece.matchAll(PART)) parts.push(m[0].toLowerCase());
  }
  return parts;
}

export const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;

/** Whether char code `c` may start an IDENTIFIER: [A-Za-z_$]. */
export function isIdentifierStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}

/** Whether char code `c` may continue an IDENTIFIER: [A-Za-z0-9_$]. */
export function isIdentifierPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/** True when splitIdentifier(word) is at most one part: /^[A-Z]?[a-z]*$/ (the common lower-case word). */
function isSinglePart(word: string): boolean {
  let i = 0;
  const first = word.charCodeAt(0);
  if (first >= 65 && first <= 90) i = 1;
  for (; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c < 97 || c > 122) return false;
  }
  return true;
}

/**
 * The extra words FTS needs for `text`: the parts of every compound identifier (camelCase, snake_case).
 * unicode61 already splits on `_`, so only camelCase parts are strictly new, but emitting all parts is
 * harmless and keeps query and index splitting identical.
 */
export function identifierParts(text: string, memo?: Map<string, string>): string {
  const seen = new Set<string>();
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  // A hand-rolled scan for IDENTIFIER matches: the same words, without a match object per word.
  while (i < n) {
    if (!isIdentifierStart(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i++;
    while (i < n && isIdentifierPart(text.charCodeAt(i))) i++;
    if (i - start < 4) continue;
    const word = text.slice(start, i);
    if (seen.has(word)) continue;
    seen.add(word);
    let joined = memo?.get(word);
    if (joined === undefined) {
      if (isSinglePart(word)) joined = "";
      else {
        const parts = splitIdentifier(word);
        joined = parts.length > 1 ? parts.join(" ") : "";
      }
      memo?.set(word, joined);
    }
    if (joined !== "") out.push(joined);
  }
  return out.join(" ");
}

/** Words of a search query for FTS: each identifier, lower-cased, plus its parts; deduplicated, in order. */
export function queryTerms(query: string, max = 24, stopWords: ReadonlySet<string> = STOP_WORDS): string[] {
  const terms: string[] = [];
  const add = (t: string): void => {
    if (t.length >= 2 && !terms.includes(t) && !stopWords.has(t)) terms.push(t);
  };
  for (const m of query.matchAll(/[\p{L}\p{N}_$]+/gu)) {
    const word = m[0];
    add(word.toLowerCase().replace(/[_$]/g, ""));
    for (const part of splitIdentifier(word)) add(part);
    if (terms.length >= max) break;
  }
  return terms.slice(0, max);
}

/**
 * Identifiers in a query that look like code names (for symbol-graph lookups): camelCase, snake_case, with digits,
 * called `x(`, or accessed `.x`; or the query's only word. Plain English words are left out, because a prose
 * query such as a doc comment would otherwise pull in every symbol called `value` or `data`.
 */
export function queryIdentifiers(query: string): string[] {
  const out: string[] = [];
  const words = [...query.matchAll(IDENTIFIER)];
  for (const m of words) {
    const word = m[0];
    if (word.length < 3 || KEYWORDS.has(word) || out.includes(word)) continue;
    const after = query.slice(m.index + word.length).trimStart()[0];
    const before = query[m.index - 1];
    const codeLike = /[a-z][A-Z]|[_$0-9]/.test(word) || /^[A-Z][a-z]+[A-Z]/.test(word) || after === "(" || before === ".";
    if (codeLike || words.length === 1) out.push(word);
  }
  return out;
}

/** English words too common to help a bm25 query. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "its", "of", "on", "or",
  "that", "the", "this", "to", "was", "with", "if", "else", "when", "which", "will", "returns", "return",
]);

/** STOP_WORDS plus the question words and filler of natural-language questions (measured in bench:retrieval). */
export const EXTENDED_STOP_WORDS: ReadonlySet<string> = new Set([
  ...STOP_WORDS,
  "how", "what", "where", "why", "who", "does", "do", "did", "can", "should", "would", "could", "we", "you", "our",
  "there", "then", "than", "so", "but", "not", "no", "all", "any", "each", "has", "have", "had", "been", "being",
  "given", "whether", "only", "also", "about", "such", "these", "those", "they", "them", "their", "one", "used",
  "using", "use", "gets", "get",
]);

/** Keywords and literals of the indexed languages: never recorded as references. */
export const KEYWORDS = new Set([
  // JS/TS
  "abstract", "as", "async", "await", "break", "case", "catch", "class", "const", "constructor", "continue", "debugger",
  "declare", "default", "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "from", "function",
  "get", "if", "implements", "import", "in", "instanceof", "interface", "keyof", "let", "module", "namespace", "new",
  "null", "of", "package", "private", "protected", "public", "readonly", "require", "return", "set", "static", "super",
  "switch", "this", "throw", "true", "try", "type", "typeof", "undefined", "var", "void", "while", "with", "yield",
  "any", "unknown", "never", "string", "number", "boolean", "object", "symbol", "bigint",
  // Python
  "and", "assert", "def", "del", "elif", "except", "global", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
  "self", "cls", "None", "True", "False",
  // Go
  "chan", "defer", "fallthrough", "func", "go", "goto", "map", "range", "select", "struct", "nil", "int", "string",
  "error", "byte", "rune", "bool", "float64", "int64", "uint",
  // Rust
  "crate", "dyn", "fn", "impl", "loop", "match", "mod", "move", "mut", "pub", "ref", "Self", "trait", "unsafe", "use",
  "where", "usize", "isize", "u8", "u16", "u32", "u64", "i32", "i64", "f32", "f64", "str", "Some", "Ok", "Err",
  // Java / C / C++
  "final", "native", "synchronized", "throws", "transient", "volatile", "char", "double", "float", "long", "short",
  "signed", "unsigned", "sizeof", "typedef", "union", "auto", "extern", "register", "inline", "const_cast",
  "template", "typename", "virtual", "operator", "friend", "nullptr", "include", "define", "ifdef", "ifndef", "endif",
]);
