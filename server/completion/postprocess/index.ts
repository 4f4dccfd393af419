import { balanceBracketsFilter } from "./balanceBrackets.js";
import { cleanModelArtifactsFilter } from "./cleanModelArtifacts.js";
import { dropBlankFilter } from "./dropBlank.js";
import { dropSuffixDuplicateFilter } from "./dropSuffixDuplicate.js";
import { limitScopeFilter } from "./limitScope.js";
import { limitToSingleLineFilter } from "./limitToSingleLine.js";
import { normalizeIndentationFilter } from "./normalizeIndentation.js";
import { removeRepetitionFilter } from "./removeRepetition.js";
import { stripLeadingSpaceFilter } from "./stripLeadingSpace.js";
import { trimPrefixOverlapFilter } from "./trimPrefixOverlap.js";
import { trimSuffixOverlapFilter } from "./trimSuffixOverlap.js";
import type { Candidate, Filter, FilterContext } from "./types.js";

export type { Candidate, Filter, FilterContext, IndentStyle } from "./types.js";

/**
 * The post-processing chain, in order. Cleanups that change what the text *is* come first (tokens, scope,
 * repetition), then the ones that compare it with the buffer (echoes, duplicates, brackets), then layout.
 */
export const POSTPROCESS_CHAIN: readonly Filter[] = [
  cleanModelArtifactsFilter,
  limitToSingleLineFilter,
  limitScopeFilter,
  removeRepetitionFilter,
  trimPrefixOverlapFilter,
  stripLeadingSpaceFilter,
  normalizeIndentationFilter,
  dropSuffixDuplicateFilter,
  balanceBracketsFilter,
  trimSuffixOverlapFilter,
  dropBlankFilter,
];

export interface PostprocessOutcome {
  candidate: Candidate | null;
  /** Names of the filters that changed or dropped the candidate. */
  applied: string[];
}

/** Runs the chain; stops at the first filter that drops the candidate. */
export function postprocess(raw: string, context: FilterContext, chain: readonly Filter[] = POSTPROCESS_CHAIN): PostprocessOutcome {
  let candidate: Candidate = { text: raw, replaceEnd: context.offset };
  const applied: string[] = [];
  for (const filter of chain) {
    const next = filter.apply(candidate, context);
    if (next === null) {
      applied.push(filter.name);
      return { candidate: null, applied };
    }
    if (next.text !== candidate.text || next.replaceEnd !== candidate.replaceEnd) applied.push(filter.name);
    candidate = next;
  }
  return { candidate, applied };
}

/** The minimum a raw completion needs to be usable at all (the "without post-processing" benchmark arm). */
export const MINIMAL_CHAIN: readonly Filter[] = [cleanModelArtifactsFilter, limitToSingleLineFilter, dropBlankFilter];
