import { editFile } from "../edit/fileChanges.js";
import { languageOf } from "../../syntax/index.js";
import type { ActionProvider } from "../ActionProvider.js";
import type { ActionEnvironment, EditPlan, ResolveRequest } from "../types.js";
import { eolOf, leadingWhitespace } from "../../text/lines.js";
import { generateAnswer, answerSchema } from "../generateAnswer.js";
import { generateVerified, languageOfUriWith } from "../generateVerified.js";
import { EXPLAIN_KIND, EXPLAIN_WINDOW_KIND, TITLES } from "../kinds.js";
import { lineComment, lineCommentPrefix, proseOf } from "../language/commentSyntax.js";
import { fenceTags } from "../language/style.js";
import { contextSections, displayPath, fenced, systemMessage } from "../prompt/messages.js";
import { jsonStringFields } from "../prompt/jsonAnswer.js";
import { selectionRegion } from "../regions.js";

const FIELD = "explanation";

/** `dhi: Explain selection` (the contract's): the explanation goes in as a comment above the selection, wrapped at 80 columns. */
export const explainProvider: ActionProvider = {
  kind: EXPLAIN_KIND,
  offers: () => [{ kind: EXPLAIN_KIND, title: TITLES.explain }],
  resolve: (request, env) => explain(request, env, false),
};

/** `dhi: Explain selection in a window`: the explanation opens in a window (markdown); the source stays untouched. */
export const explainInWindowProvider: ActionProvider = {
  kind: EXPLAIN_WINDOW_KIND,
  offers: () => [{ kind: EXPLAIN_WINDOW_KIND, title: TITLES.explainInWindow }],
  resolve: (request, env) => explain(request, env, true),
};

async function explain(request: ResolveRequest, env: ActionEnvironment, inWindow: boolean): Promise<EditPlan> {
  const { document } = request;
  const text = document.text;
  const language = languageOf(document.path ?? document.uri, document.languageId);
  const region = selectionRegion(text, request.selection, language);
  const tags = fenceTags(language, document.languageId);
  const code = text.slice(region.span.start, region.span.end);
  const sections = contextSections({ document, root: request.root, language, tag: tags[0], code, region: region.span, index: env.index });
  const style = inWindow ? "in Markdown, in two to eight sentences (short code spans in backticks are fine)" : "in two to five plain sentences";
  sections.push(`Explain what this code does and why, for a reader of this file, ${style}:\n${fenced(tags[0], code)}`);
  sections.push(`Answer with JSON: {"${FIELD}": "…"}.`);
  const messages = [systemMessage(language ?? document.languageId), { role: "user" as const, text: sections.join("\n\n") }];
  if (inWindow) {
    const where = `${displayPath(document, request.root)}, lines ${region.startLine + 1}-${region.endLine + 1}`;
    return generateAnswer({
      env,
      label: "explanation",
      title: `Explanation: ${where}`,
      messages,
      maxTokens: 400,
      field: FIELD,
      present: (answer) => `# Explanation: ${where}\n\n${answer}\n\n${fenced(tags[0], code)}\n`,
    });
  }
  const firstLine = code.split("\n").find((l) => l.trim() !== "") ?? "";
  const indent = leadingWhitespace(firstLine);
  const prefix = lineCommentPrefix(language, document.languageId);
  return generateVerified({
    env,
    label: "explanation",
    messages,
    maxTokens: 320,
    jsonSchema: answerSchema(FIELD),
    build(answer) {
      const prose = proseOf(jsonStringFields(answer, FIELD)[FIELD] ?? "");
      if (prose === "") return { ok: false, reason: "the model returned no explanation" };
      const eol = eolOf(text);
      const comment = lineComment(prose, indent, prefix).join(eol) + eol;
      return { ok: true, changes: [editFile(document.uri, text, [{ start: region.span.start, end: region.span.start, newText: comment }])] };
    },
    languageOfUri: languageOfUriWith(document.uri, document.languageId),
  });
}
