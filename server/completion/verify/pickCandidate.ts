import type { Verification } from "./verifyCandidate.js";

/**
 * Up to `max` distinct suggestions: the picked candidate first, then the others that parse untrimmed, then the
 * trimmed ones, each in generation order. Distinct means a different text or a different replaced range.
 */
export function pickSuggestions(verified: readonly Verification[], max: number): number[] {
  const picked = pickCandidate(verified);
  if (!picked) return [];
  const order = [picked.index];
  for (const trimmed of [false, true]) {
    verified.forEach((v, index) => {
      if (v.candidate && v.trimmed === trimmed && !order.includes(index)) order.push(index);
    });
  }
  const seen = new Set<string>();
  const out: number[] = [];
  for (const index of order) {
    const candidate = verified[index].candidate;
    if (!candidate) continue;
    const key = `${candidate.replaceEnd}\u0000${candidate.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(index);
    if (out.length >= max) break;
  }
  return out;
}

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
