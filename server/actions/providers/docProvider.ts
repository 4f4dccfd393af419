import { editFile } from "../edit/fileChanges.js";
import type { JsonSchema } from "../../inference/types.js";
import { languageOf, type LanguageName } from "../../syntax/index.js";
import type { ActionProvider } from "../ActionProvider.js";
import { indentUnit } from "../../text/indentation.js";
import { minimalLineEdits } from "../edit/minimalEdits.js";
import { eolOf, leadingWhitespace, lineAt, lineStarts, lineText } from "../../text/lines.js";
import { ActionRejectedError } from "../errors/ActionRejectedError.js";
import { generateVerified, languageOfUriWith, type BuildResult } from "../generateVerified.js";
import { DOC_KIND, TITLES } from "../kinds.js";
import { proseOf } from "../language/commentSyntax.js";
import { docCommentAbove, docConvention, pythonDocstring, type DocContent } from "../language/docComments.js";
import { fenceTags } from "../language/style.js";
import { symbolAt, type SymbolInfo } from "../language/symbols.js";
import { contextSections, fenced, systemMessage } from "../prompt/messages.js";
import { jsonStringFields } from "../prompt/jsonAnswer.js";
import { lineRegion } from "../regions.js";
import type { ActionDocument, OffsetEdit } from "../types.js";

/** The answer's shape: the model writes prose, dhi lays it out in the language's convention. */
function docSchema(symbol: SymbolInfo): JsonSchema {
  const properties: Record<string, unknown> = { summary: { type: "string" } };
  if (symbol.params.length > 0) {
    properties.params = { type: "object", properties: Object.fromEntries(symbol.params.map((p) => [p, { type: "string" }])), required: symbol.params };
  }
  if (symbol.isFunction) properties.returns = { type: "string" };
  return { type: "object", properties, required: Object.keys(properties) };
}

function contentOf(answer: string, symbol: SymbolInfo): DocContent | null {
  const fields = jsonStringFields(answer, "summary");
  const summary = proseOf(fields.summary ?? "");
  if (summary === "") return null;
  return {
    summary,
    params: symbol.params.map((name) => ({ name, description: proseOf(fields[`params.${name}`] ?? "") })),
    returns: proseOf(fields.returns ?? ""),
  };
}

/** `dhi: Add doc comment`: documents the declaration at the selection in its language's convention. */
export const docProvider: ActionProvider = {
  kind: DOC_KIND,
  offers: (_request, language) => (language ? [{ kind: DOC_KIND, title: TITLES.doc }] : []),
  async resolve(request, env) {
    const { document } = request;
    const language = languageOf(document.path ?? document.uri, document.languageId);
    if (!language) throw new ActionRejectedError(`dhi: doc comments are not supported for ${document.languageId}`);
    const symbol = symbolAt(document.text, language, request.selection);
    if (!symbol) throw new ActionRejectedError("dhi: there is no function, class or type at the selection to document");
    const tags = fenceTags(language, document.languageId);
    const code = document.text.slice(symbol.node.start, symbol.node.end);
    const sections = contextSections({ document, root: request.root, language, tag: tags[0], code, region: symbol.outer, index: env.index });
    sections.push(`Document \`${symbol.name}\`:\n${fenced(tags[0], code.split("\n").slice(0, 120).join("\n"))}`);
    const fields = ["`summary`: what it does and why, in one to three sentences"];
    if (symbol.params.length > 0) fields.push("`params`: one short description per parameter");
    if (symbol.isFunction) fields.push("`returns`: what it returns (empty if nothing)");
    sections.push(`It will be written as ${docConvention(language)}. Answer with JSON: ${fields.join("; ")}.`);
    return generateVerified({
      env,
      label: "doc comment",
      messages: [systemMessage(language), { role: "user", text: sections.join("\n\n") }],
      maxTokens: 320,
      jsonSchema: docSchema(symbol),
      build: (answer) => buildDoc(answer, document, language, symbol),
      languageOfUri: languageOfUriWith(document.uri, document.languageId),
    });
  },
};

function buildDoc(answer: string, document: ActionDocument, language: LanguageName, symbol: SymbolInfo): BuildResult {
  const content = contentOf(answer, symbol);
  if (!content) return { ok: false, reason: "the model returned no documentation" };
  const text = document.text;
  const eol = eolOf(text);
  const starts = lineStarts(text);
  let edits: OffsetEdit[];
  if (language === "python") {
    const body = symbol.body;
    const first = body?.namedChildren[0];
    if (!body || !first) return { ok: false, reason: "the declaration has no body to put a docstring in" };
    const headerLine = lineAt(starts, symbol.node.start);
    const firstLine = lineAt(starts, first.startIndex);
    if (firstLine === lineAt(starts, body.startIndex) && firstLine === headerLine) {
      return { ok: false, reason: "the body is on the same line as the declaration" };
    }
    const indent = leadingWhitespace(lineText(text, starts, firstLine)) || leadingWhitespace(lineText(text, starts, headerLine)) + indentUnit(text);
    const docstring = pythonDocstring(content, indent).join(eol) + eol;
    const existing = first.type === "expression_statement" && first.namedChildren[0]?.type === "string";
    const region = existing ? lineRegion(text, firstLine, lineAt(starts, first.endIndex - 1), starts) : null;
    edits = region ? minimalLineEdits(text, region.span, docstring) : [{ start: starts[firstLine], end: starts[firstLine], newText: docstring }];
  } else {
    const line = lineAt(starts, symbol.outer.start);
    const indent = leadingWhitespace(lineText(text, starts, line));
    const comment = docCommentAbove(language, content, symbol.name, indent).join(eol) + eol;
    // An existing doc comment right above is replaced (as a minimal diff), not stacked.
    // Only a doc-style comment counts (`/**`, `///`, or Go's plain `//`); other comments above are kept.
    const first = symbol.leadingComments[0];
    const firstText = first ? text.slice(first.start, first.end) : "";
    const existing = first && (firstText.startsWith("/**") || firstText.startsWith("///") || (language === "go" && firstText.startsWith("//"))) ? first : undefined;
    const region = existing ? lineRegion(text, lineAt(starts, existing.start), line - 1, starts) : null;
    edits = region ? minimalLineEdits(text, region.span, comment) : [{ start: starts[line], end: starts[line], newText: comment }];
  }
  if (edits.length === 0) return { ok: false, reason: "the documentation is unchanged" };
  return { ok: true, changes: [editFile(document.uri, text, edits)] };
}
