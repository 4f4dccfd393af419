/** RRF's rank offset k: how slowly a list's weight falls with rank (60 as in Cormack et al. and Tabby). */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion (Cormack et al.; k = 60 as in Tabby): score = Σ weight / (k + rank), ranks from 1.
 * Best first. Weights default to 1 (plain RRF); a list of weight 0 is left out (its ids must not fill up a
 * short list). Fusion calibration (calibration/) sets the weights per workspace.
 */
export function fuseRankings(rankings: number[][], k = RRF_K, weights?: number[]): Array<{ id: number; score: number }> {
  const scores = new Map<number, number>();
  rankings.forEach((ranking, list) => {
    const weight = weights?.[list] ?? 1;
    if (weight <= 0) return;
    ranking.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + i + 1)));
  });
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
}
