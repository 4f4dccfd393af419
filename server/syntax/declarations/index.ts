// One declaration table per language (grammars/<lang>/index.scm), read the same way by the index, the agent's
// outline and the actions' symbols.
export { findDeclarations, type Declaration, type OtherCapture } from "./findDeclarations.js";
export { declarationQuery, declarationTable, type TableEntry } from "./table.js";
export { statementOf, wrappedStatementOf } from "./statements.js";
export { TYPE_KINDS, VALUE_KINDS } from "./kinds.js";
