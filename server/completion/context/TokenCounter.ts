/**
 * Counts tokens with the model's tokenizer, one line at a time, caching by line text: between keystrokes almost
 * every line of the windows is unchanged, so a request costs map lookups plus the one or two edited lines.
 * Summing per-line counts can overcount slightly at line joins (never undercount by much), which is the safe
 * side of a budget.
 */
export class TokenCounter {
  private readonly cache = new Map<string, number>();

  constructor(
    private readonly count: (text: string) => Promise<number>,
    private readonly maxEntries = 50_000,
  ) {}

  /** Token counts of each text; texts are counted as given (include the newline to count it). */
  async countAll(texts: readonly string[]): Promise<number[]> {
    const result = new Array<number>(texts.length);
    const missing: number[] = [];
    for (let i = 0; i < texts.length; i++) {
      const cached = this.cache.get(texts[i]);
      if (cached === undefined) missing.push(i);
      else result[i] = cached;
    }
    if (missing.length > 0) {
      const counted = await Promise.all(missing.map((i) => this.count(texts[i])));
      if (this.cache.size + missing.length > this.maxEntries) this.cache.clear();
      missing.forEach((i, k) => {
        result[i] = counted[k];
        this.cache.set(texts[i], counted[k]);
      });
    }
    return result;
  }

  async countOne(text: string): Promise<number> {
    return (await this.countAll([text]))[0];
  }
}
