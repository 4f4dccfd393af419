/** Finds the earliest literal stop string in generated text; returns the cut index or -1. */
export class StopStringMatcher {
  private readonly maxLen: number;
  private searchedUpTo = 0;

  constructor(private readonly stops: readonly string[]) {
    this.maxLen = stops.reduce((m, s) => Math.max(m, s.length), 0);
  }

  /** Call with the whole text so far; only the new tail (plus overlap) is searched. */
  find(text: string): number {
    if (this.stops.length === 0) return -1;
    const from = Math.max(0, this.searchedUpTo - this.maxLen + 1);
    this.searchedUpTo = text.length;
    let best = -1;
    for (const stop of this.stops) {
      if (stop.length === 0) continue;
      const i = text.indexOf(stop, from);
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best;
  }
}
