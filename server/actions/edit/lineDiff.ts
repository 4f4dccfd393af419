/** A run of old lines [oldStart, oldEnd) replaced by new lines [newStart, newEnd). */
export interface Hunk {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

/**
 * Myers' O(ND) diff over lines (compared exactly), as the changed hunks only.
 * Common prefix and suffix are trimmed first, so a small edit in a big region costs almost nothing.
 */
export function diffLines(a: readonly string[], b: readonly string[]): Hunk[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const x = a.slice(prefix, a.length - suffix);
  const y = b.slice(prefix, b.length - suffix);
  const equal = myersEqualPairs(x, y);
  // Walk the matched pairs; the gaps between them are hunks.
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  for (const [ei, ej] of [...equal, [x.length, y.length] as const]) {
    if (ei > i || ej > j) hunks.push({ oldStart: prefix + i, oldEnd: prefix + ei, newStart: prefix + j, newEnd: prefix + ej });
    i = ei + 1;
    j = ej + 1;
  }
  return hunks;
}

/** Index pairs (i, j) with x[i] === y[j] on one shortest edit script, in order. */
function myersEqualPairs(x: readonly string[], y: readonly string[]): Array<readonly [number, number]> {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return [];
  const max = n + m;
  const offset = max;
  let v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let px: number;
      if (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])) px = v[offset + k + 1];
      else px = v[offset + k - 1] + 1;
      let py = px - k;
      while (px < n && py < m && x[px] === y[py]) {
        px++;
        py++;
      }
      next[offset + k] = px;
      if (px >= n && py >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  trace.push(v);
  // Backtrack from (n, m) through the saved frontiers, collecting diagonal (equal) steps.
  const pairs: Array<readonly [number, number]> = [];
  let px = n;
  let py = m;
  for (let d = trace.length - 2; d >= 0 && (px > 0 || py > 0); d--) {
    const frontier = trace[d];
    const k = px - py;
    let prevK: number;
    if (d === 0) prevK = 0;
    else if (k === -d || (k !== d && frontier[offset + k - 1] < frontier[offset + k + 1])) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : frontier[offset + prevK];
    const prevY = prevX - prevK;
    const startX = d === 0 ? 0 : prevK === k + 1 ? prevX : prevX + 1;
    const startY = startX - k;
    while (px > startX && py > startY) {
      px--;
      py--;
      pairs.push([px, py]);
    }
    px = prevX;
    py = prevY;
  }
  return pairs.reverse();
}
