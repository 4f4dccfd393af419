import { editFile } from "../edit/fileChanges.js";
import { extractCode } from "../../text/fences.js";
import { indentUnit, reindent } from "../../text/indentation.js";
import { minimalLineEdits } from "../edit/minimalEdits.js";
import { leadingWhitespace } from "../../text/lines.js";
import { generateVerified, languageOfUriWith, type BuildResult } from "../generateVerified.js";
import { systemMessage } from "../prompt/messages.js";
import type { LanguageName } from "../../syntax/index.js";
import { ActionRejectedError } from "../errors/ActionRejectedError.js";
import { findDhiComment, isInlineSelection, lineRegion, selectionRegion, type LineRegion } from "../regions.js";
import type { ActionDocument, ActionEnvironment, EditPlan, TextSpan } from "../types.js";

export interface RegionReplacement {
  document: ActionDocument;
  /** The lines the model rewrites. */
  region: LineRegion;
  /** Extra whole lines removed with the rewrite (the `dhi:` instruction comment above the region). */
  removeLine?: LineRegion;
  /** A selection inside one line: only this span is replaced. */
  inline?: TextSpan;
  fenceTags: readonly string[];
}

export interface RewriteTarget {
  region: LineRegion;
  /** Set when the selection sits inside one line: only that span is rewritten. */
  inline?: TextSpan;
  /** The editor's instruction, else the `dhi:` comment's; null when there is neither. */
  instruction: string | null;
  removeLine?: LineRegion;
}

/**
 * What a rewrite replaces and why: the selection (whole lines, or a span inside one line) and the
 * instruction, which comes from the editor or from a `dhi:` comment right above (or opening) the selection.
 */
export function rewriteTarget(text: string, selection: TextSpan, language: LanguageName | null, given?: string): RewriteTarget {
  const inline = isInlineSelection(text, selection) ? selection : undefined;
  let region = selectionRegion(text, selection, language);
  let instruction = given?.trim() || null;
  let removeLine: LineRegion | undefined;
  if (!instruction && !inline) {
    const comment = findDhiComment(text, region);
    if (comment) {
      instruction = comment.instruction;
      removeLine = lineRegion(text, comment.line, comment.line);
      if (comment.line === region.startLine) {
        if (region.endLine === region.startLine) throw new ActionRejectedError("dhi: select the code below the `dhi:` comment to rewrite it");
        region = lineRegion(text, region.startLine + 1, region.endLine);
      }
    }
  }
  return { region, inline, instruction, removeLine };
}

/** Model text → minimal edits replacing a region: extraction, re-indentation, then a line diff. */
export function buildRegionReplacement(text: string, r: RegionReplacement): BuildResult {
  const extracted = extractCode(text, r.fenceTags);
  if (!extracted) return { ok: false, reason: "the model returned no code" };
  const doc = r.document.text;
  if (r.inline) {
    const lineStart = doc.lastIndexOf("\n", r.inline.start - 1) + 1;
    const indent = leadingWhitespace(doc.slice(lineStart, r.inline.start));
    const [first, ...rest] = extracted.code.trim().split("\n");
    const newText = [first, ...(rest.length > 0 ? reindent(rest.join("\n"), { baseIndent: indent, unit: indentUnit(doc) }).split("\n") : [])].join("\n");
    if (newText === doc.slice(r.inline.start, r.inline.end)) return { ok: false, reason: "the model returned the selection unchanged" };
    return { ok: true, changes: [editFile(r.document.uri, doc, [{ ...r.inline, newText }])] };
  }
  const oldRegion = doc.slice(r.region.span.start, r.region.span.end);
  const originalLines = oldRegion.replace(/\r\n/g, "\n").split("\n");
  const baseIndent = leadingWhitespace(originalLines.find((l) => l.trim() !== "") ?? "");
  const code = reindent(extracted.code, { baseIndent, unit: indentUnit(doc), originalLines });
  // The instruction comment sits right above the region: replace both as one span so its removal is one more hunk.
  const span = r.removeLine ? { start: Math.min(r.removeLine.span.start, r.region.span.start), end: Math.max(r.removeLine.span.end, r.region.span.end) } : r.region.span;
  const edits = minimalLineEdits(doc, span, code);
  if (edits.length === 0) return { ok: false, reason: "the model returned the code unchanged" };
  return { ok: true, changes: [editFile(r.document.uri, doc, edits)] };
}

/**
 * Asks the model for the region's new code (the user prompt's `sections`, under the language's system message)
 * and returns the verified edit that puts it in place. The answer is grounded in the given code, so its length
 * bounds the tokens: `maxTokensCap` at most.
 */
export function generateRegionReplacement(
  env: ActionEnvironment,
  options: { label: string; language: string | null; sections: string[]; code: string; maxTokensCap: number; replacement: RegionReplacement },
): Promise<EditPlan> {
  const { document } = options.replacement;
  return generateVerified({
    env,
    label: options.label,
    messages: [systemMessage(options.language ?? document.languageId), { role: "user", text: options.sections.join("\n\n") }],
    maxTokens: Math.min(options.maxTokensCap, Math.ceil(options.code.length / 2.5) + 128),
    inputGrounded: true,
    build: (answer) => buildRegionReplacement(answer, options.replacement),
    languageOfUri: languageOfUriWith(document.uri, document.languageId),
  });
}
