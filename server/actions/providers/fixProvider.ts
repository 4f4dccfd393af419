import { languageOf } from "../../syntax/index.js";
import type { ActionProvider } from "../ActionProvider.js";
import { lineAt, lineStarts } from "../../text/lines.js";
import { ActionRejectedError } from "../errors/ActionRejectedError.js";
import { FIX_KIND, fixTitle } from "../kinds.js";
import { fenceTags } from "../language/style.js";
import { contextSections, fenced } from "../prompt/messages.js";
import { lineRegion } from "../regions.js";
import type { ActionDiagnostic, TextSpan } from "../types.js";
import { generateRegionReplacement } from "./regionEdit.js";

/** Lines of context kept around the diagnostics: the model may only change this window. */
const CONTEXT_LINES = 2;

function overlaps(d: ActionDiagnostic, range: TextSpan): boolean {
  return d.start <= range.end && range.start <= d.end;
}

/** `dhi: Fix <message>`: one action per diagnostic overlapping the range; edits stay around the diagnostic. */
export const fixProvider: ActionProvider = {
  kind: FIX_KIND,
  offers(request) {
    return request.diagnostics.filter((d) => overlaps(d, request.selection)).map((d) => ({ kind: FIX_KIND, title: fixTitle(d.message), diagnostics: [d] }));
  },
  async resolve(request, env) {
    const { document } = request;
    if (request.diagnostics.length === 0) throw new ActionRejectedError("dhi: there is no diagnostic to fix here");
    const text = document.text;
    const language = languageOf(document.path ?? document.uri, document.languageId);
    const starts = lineStarts(text);
    const first = Math.min(...request.diagnostics.map((d) => lineAt(starts, d.start)));
    const last = Math.max(...request.diagnostics.map((d) => lineAt(starts, Math.max(d.start, d.end - 1))));
    const region = lineRegion(text, first - CONTEXT_LINES, last + CONTEXT_LINES, starts);
    const tags = fenceTags(language, document.languageId);
    const code = text.slice(region.span.start, region.span.end);
    const sections = contextSections({ document, root: request.root, language, tag: tags[0], code, region: region.span, index: env.index });
    const listed = request.diagnostics.map((d) => {
      const line = lineAt(starts, d.start);
      return `- line ${line + 1}${d.source ? ` (${d.source})` : ""}: ${d.message}`;
    });
    sections.push(`Diagnostics to fix:\n${listed.join("\n")}`);
    sections.push(`Lines ${region.startLine + 1}-${region.endLine + 1}:\n${fenced(tags[0], code)}`);
    sections.push(`Answer with these lines corrected, complete, in one \`\`\`${tags[0]} block. Change only what fixing the diagnostics requires.`);
    return generateRegionReplacement(env, { label: "fix", language, sections, code, maxTokensCap: 2048, replacement: { document, region, fenceTags: tags } });
  },
};
