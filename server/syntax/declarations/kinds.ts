// The kinds `grammars/<lang>/index.scm` gives declarations (`@definition.<kind>`), as every consumer reads them.

/** Owner kinds whose nested functions are methods. */
export const TYPE_KINDS: ReadonlySet<string> = new Set(["class", "struct", "interface", "trait", "impl", "enum"]);

/** Definitions of values (module constants, fields, macros, enum members) rather than of code or types. */
export const VALUE_KINDS: ReadonlySet<string> = new Set(["constant", "variable", "field", "macro", "variant"]);

/** The capture prefix that marks a declaration node in the query. */
export const DEFINITION_CAPTURE = "definition.";
