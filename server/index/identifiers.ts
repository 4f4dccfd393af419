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

/**
 * The extra words FTS needs for `text`: the parts of every compound identifier (camelCase, snake_case).
 * unicode61 already splits on `_`, so only camelCase parts are strictly new, but emitting all parts is
 * harmless and keeps query and index splitting identical.
 */
export function identifierParts(text: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const m of text.matchAll(IDENTIFIER)) {
    const word = m[0];
    if (word.length < 4 || seen.has(word)) continue;
    seen.add(word);
    const parts = splitIdentifier(word);
    if (parts.length > 1) out.push(parts.join(" "));
  }
  return out.join(" ");
}

/** Words of a search query for FTS: each identifier, lower-cased, plus its parts; deduplicated, in order. */
export function queryTerms(query: string, max = 24): string[] {
  const terms: string[] = [];
  const add = (t: string): void => {
    if (t.length >= 2 && !terms.includes(t) && !STOP_WORDS.has(t)) terms.push(t);
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
const STOP_WORDS = new Set([
  "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "its", "of", "on", "or",
  "that", "the", "this", "to", "was", "with", "if", "else", "when", "which", "will", "returns", "return",
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
