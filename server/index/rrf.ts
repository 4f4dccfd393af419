/**
 * Reciprocal rank fusion (Cormack et al.; k = 60 as in Tabby): score = Σ weight / (k + rank), ranks from 1.
 * Best first. Weights default to 1 (plain RRF); bench/retrieval.mjs measures other weightings.
 */
export function fuseRankings(rankings: number[][], k = 60, weights?: number[]): Array<{ id: number; score: number }> {
  const scores = new Map<number, number>();
  rankings.forEach((ranking, list) => {
    const weight = weights?.[list] ?? 1;
    ranking.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + i + 1)));
  });
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
}
