import type { Verification } from "./verifyCandidate.js";

/**
 * Picks among verified candidates (greedy first, then samples): the first that parses untrimmed, else the
 * longest trimmed one, else null.
 */
export function pickCandidate(verified: readonly Verification[]): { index: number; verification: Verification } | null {
  let best: { index: number; verification: Verification } | null = null;
  verified.forEach((verification, index) => {
    const candidate = verification.candidate;
    if (!candidate) return;
    if (!verification.trimmed) {
      if (!best || best.verification.trimmed) best = { index, verification };
      return;
    }
    if (!best || (best.verification.trimmed && candidate.text.length > (best.verification.candidate?.text.length ?? 0))) {
      best = { index, verification };
    }
  });
  return best;
}
