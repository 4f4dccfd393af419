/** Reciprocal rank fusion (Cormack et al.; k = 60 as in Tabby): score = Σ 1 / (k + rank), ranks from 1. Best first. */
export function fuseRankings(rankings: number[][], k = 60): Array<{ id: number; score: number }> {
  const scores = new Map<number, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  }
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
}
