import { languageOf } from "../../syntax/index.js";
import type { ActionProvider } from "../ActionProvider.js";
import { REWRITE_KIND, TITLES } from "../kinds.js";
import { fenceTags } from "../language/style.js";
import { contextSections, fenced } from "../prompt/messages.js";
import { generateRegionReplacement, rewriteTarget, type RegionReplacement } from "./regionEdit.js";

const DEFAULT_INSTRUCTION = "Improve this code: make it clearer and more idiomatic without changing its behaviour.";

/** `dhi: Rewrite selection…`: the selection rewritten per an instruction, as minimal line edits. */
export const rewriteProvider: ActionProvider = {
  kind: REWRITE_KIND,
  offers: () => [{ kind: REWRITE_KIND, title: TITLES.rewrite }],
  async resolve(request, env) {
    const { document } = request;
    const text = document.text;
    const language = languageOf(document.path ?? document.uri, document.languageId);
    const target = rewriteTarget(text, request.selection, language, request.instruction);
    const { inline, region, removeLine } = target;
    const instruction = target.instruction ?? DEFAULT_INSTRUCTION;
    const tags = fenceTags(language, document.languageId);
    const code = inline ? text.slice(inline.start, inline.end) : text.slice(region.span.start, region.span.end);
    const sections = contextSections({ document, root: request.root, language, tag: tags[0], code, region: inline ?? region.span, index: env.index });
    const what = inline ? "the selected expression (it sits inside a line; answer with its replacement only)" : `the selected lines (${region.startLine + 1}-${region.endLine + 1})`;
    sections.push(`Rewrite ${what}:\n${fenced(tags[0], code)}`);
    sections.push(`Instruction: ${instruction}`);
    sections.push(`Answer with the complete rewritten code in one \`\`\`${tags[0]} block. Keep everything the instruction does not ask to change exactly as it is.`);
    const replacement: RegionReplacement = { document, region, removeLine, inline, fenceTags: tags };
    return generateRegionReplacement(env, { label: "rewrite", language, sections, code, maxTokensCap: 4096, replacement });
  },
};
