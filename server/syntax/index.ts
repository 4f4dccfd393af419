export { languageOf, grammarFor, SUPPORTED_LANGUAGES, type LanguageName } from "./languages.js";
export { parse, checkSyntax, utf16Column } from "./parse.js";
export type { ParseCheck, SyntaxError } from "./types.js";
export { loadQuery, queryPath } from "./queries.js";
export { nodeStart, nodeStartRow } from "./nodeStart.js";
