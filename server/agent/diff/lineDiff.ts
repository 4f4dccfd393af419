// A line diff (LCS over the differing middle), shared by the WorkspaceEdit converter and the CLI's unified diff.

export interface Hunk {
  /** 0-based index of the first old line replaced. */
  oldStart: number;
  oldLines: string[];
  newStart: number;
  newLines: string[];
}

/** Lines with their terminators, so joining them gives the text back exactly. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const MAX_CELLS = 4_000_000;

/** The hunks that turn `before` into `after` (empty when equal). */
export function lineDiff(before: string, after: string): Hunk[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  if (n === 0 && m === 0) return [];
  if (n * m > MAX_CELLS || n === 0 || m === 0) {
    return [{ oldStart: start, oldLines: a.slice(start, endA), newStart: start, newLines: b.slice(start, endB) }];
  }
  // lcs[i][j] = LCS length of a[start+i..endA) and b[start+j..endB).
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const below = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[start + i] === b[start + j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  const hunks: Hunk[] = [];
  let current: Hunk | null = null;
  let i = 0;
  let j = 0;
  const open = () => (current ??= { oldStart: start + i, oldLines: [], newStart: start + j, newLines: [] });
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      if (current) hunks.push(current);
      current = null;
      i++;
      j++;
    } else if (j < m && (i >= n || (lcs[i]?.[j + 1] ?? 0) >= (lcs[i + 1]?.[j] ?? 0))) {
      open().newLines.push(b[start + j] as string);
      j++;
    } else {
      open().oldLines.push(a[start + i] as string);
      i++;
    }
  }
  if (current) hunks.push(current);
  return hunks;
}
