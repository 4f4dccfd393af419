import ignore, { type Ignore } from "ignore";

// Gitignore rules come from the repository (.gitignore at any level, index.exclude in .dhi.json), and the `ignore`
// library turns each `**` into a regex group that backtracks: `a/**/**/…/b` (ten of them) took 2 s on a path 24
// folders deep, 15 s at 30, and two `**` took 4 s on a path of 2,000 one-letter folders (measured). Rules are
// therefore tamed before they are compiled, and paths are bounded in depth where they are matched.

/** Paths deeper than this (folders and file) are neither walked nor indexed: no real source tree nests so far. */
export const MAX_PATH_DEPTH = 64;
/** A pattern with more `**` than this (after merging repeated ones) is left out. */
const MAX_GLOBSTARS = 2;
/** A pattern longer than this is left out (no real rule is). */
const MAX_PATTERN_LENGTH = 1_000;

/** Rules from gitignore text or patterns, with every pattern that could make matching slow left out. */
export function ignoreRules(patterns: string | readonly string[]): Ignore {
  const lines = typeof patterns === "string" ? patterns.split(/\r?\n/) : patterns;
  return ignore().add(lines.map(tamePattern).filter((pattern): pattern is string => pattern !== null));
}

/** The pattern with `**` repeated between slashes merged (`a/**\/**\/b` matches what `a/**\/b` does), or null. */
export function tamePattern(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return null;
  const merged = pattern.replace(/(^|\/)\*\*(?:\/\*\*)+(?=\/|$)/g, "$1**");
  return (merged.match(/\*\*/g)?.length ?? 0) > MAX_GLOBSTARS ? null : merged;
}

/** Segments in a "/" path. */
export function pathDepth(path: string): number {
  let depth = 1;
  for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) depth++;
  return depth;
}
