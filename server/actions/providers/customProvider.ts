import { renderTemplate } from "../../config/promptTemplate.js";
import { languageOf } from "../../syntax/index.js";
import type { ActionProvider } from "../ActionProvider.js";
import { ActionRejectedError } from "../errors/ActionRejectedError.js";
import { generateAnswer } from "../generateAnswer.js";
import { generateVerified, languageOfUriWith } from "../generateVerified.js";
import { CUSTOM_KIND, customTitle } from "../kinds.js";
import { fenceTags } from "../language/style.js";
import { contextSections, displayPath, fenced, systemMessage } from "../prompt/messages.js";
import { buildRegionReplacement, rewriteTarget } from "./regionEdit.js";

const FIELD = "answer";

/**
 * The user's own actions (`actions.custom`): listed like the built-in ones, resolved lazily. The prompt
 * template gets {selection}, {file} (workspace-relative path), {language} and {instruction} (the editor's,
 * or a `dhi:` comment above the selection). "replace" answers are parse-checked edits like a rewrite;
 * "window" answers open as markdown.
 */
export const customProvider: ActionProvider = {
  kind: CUSTOM_KIND,
  offers: (request) => (request.customActions ?? []).map((a) => ({ kind: CUSTOM_KIND, title: customTitle(a.title), custom: a.title })),
  async resolve(request, env) {
    const action = request.custom;
    if (!action) throw new ActionRejectedError("dhi: this user-defined action is no longer in the settings (actions.custom); request code actions again");
    const { document } = request;
    const text = document.text;
    const language = languageOf(document.path ?? document.uri, document.languageId);
    const target = rewriteTarget(text, request.selection, language, request.instruction);
    const span = target.inline ?? target.region.span;
    const code = text.slice(span.start, span.end);
    const tags = fenceTags(language, document.languageId);
    const file = displayPath(document, request.root);
    const userText = renderTemplate(action.prompt, { selection: code.replace(/\r?\n$/, ""), file, language: language ?? document.languageId, instruction: target.instruction ?? "" });
    const sections = contextSections({ document, root: request.root, language, tag: tags[0], code, region: span, index: env.index });
    sections.push(userText);
    const label = `"${action.title}"`;
    if (action.result === "window") {
      sections.push(`Answer in Markdown, as JSON: {"${FIELD}": "…"}.`);
      return generateAnswer({
        env,
        label,
        title: `${action.title}: ${file}`,
        messages: [systemMessage(language ?? document.languageId), { role: "user", text: sections.join("\n\n") }],
        maxTokens: 600,
        field: FIELD,
        present: (answer) => `# ${action.title}: ${file}, lines ${target.region.startLine + 1}-${target.region.endLine + 1}\n\n${answer}\n`,
      });
    }
    sections.push(`The code to replace:\n${fenced(tags[0], code)}`);
    sections.push(`Answer with the complete replacement code in one \`\`\`${tags[0]} block.`);
    return generateVerified({
      env,
      label,
      messages: [systemMessage(language ?? document.languageId), { role: "user", text: sections.join("\n\n") }],
      maxTokens: Math.min(4096, Math.ceil(code.length / 2.5) + 256),
      inputGrounded: true,
      build: (answer) => buildRegionReplacement(answer, { document, region: target.region, removeLine: target.removeLine, inline: target.inline, fenceTags: tags }),
      languageOfUri: languageOfUriWith(document.uri, document.languageId),
    });
  },
};
