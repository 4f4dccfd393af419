import type { Candidate } from "../postprocess/types.js";
import { errorsWith, type SyntaxWindow } from "./syntaxWindow.js";

export interface Verification {
  /** The candidate as verified: unchanged, trimmed, or null when no prefix of it parses as well as the buffer. */
  candidate: Candidate | null;
  /** Syntax errors the candidate adds over the buffer without it (before trimming). */
  addedErrors: number;
  trimmed: boolean;
  /** Parses spent. */
  parses: number;
}

const MAX_PARSES = 6;

/** Shorter versions to try, longest first: whole lines dropped from the end, then the first line cut at token boundaries. */
function shorterVersions(text: string): string[] {
  const out: string[] = [];
  const lines = text.split("\n");
  for (let n = lines.length - 1; n >= 1; n--) {
    const version = lines.slice(0, n).join("\n").trimEnd();
    if (version.trim().length > 0 && version !== out[out.length - 1]) out.push(version);
  }
  const first = lines[0];
  const boundaries: number[] = [];
  for (let i = first.length - 1; i > 0; i--) {
    if (/[\s(),;:.[\]{}=+\-*/<>]/.test(first[i]) || /[\s(),;:.[\]{}=+\-*/<>]/.test(first[i - 1])) boundaries.push(i);
  }
  for (const cut of boundaries) {
    const version = first.slice(0, cut).trimEnd();
    if (version.trim().length > 0 && version !== out[out.length - 1] && version.length < first.length) out.push(version);
  }
  return out;
}

/**
 * Splices the candidate into the window and compares error counts with the buffer without it (buffers being
 * typed are usually broken already, so only *added* errors count). A candidate that adds errors is trimmed to
 * its longest prefix (by line, then shorter) that does not, or dropped.
 */
export function verifyCandidate(candidate: Candidate, window: SyntaxWindow, offset: number): Verification {
  const replaced = candidate.replaceEnd - offset;
  const errors = errorsWith(window, candidate.text, replaced);
  const addedErrors = Math.max(0, errors - window.baselineErrors);
  if (addedErrors === 0) return { candidate, addedErrors, trimmed: false, parses: 1 };
  let parses = 1;
  for (const text of shorterVersions(candidate.text)) {
    if (parses >= MAX_PARSES) break;
    parses++;
    // A shortened text no longer closes what the replaced closers closed: keep them in the buffer.
    if (errorsWith(window, text, 0) <= window.baselineErrors) {
      return { candidate: { text, replaceEnd: offset }, addedErrors, trimmed: true, parses };
    }
  }
  return { candidate: null, addedErrors, trimmed: true, parses };
}
