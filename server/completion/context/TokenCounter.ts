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
    // Texts not cached yet, each once: a cold window repeats lines like "\n" or "  }\n" many times.
    const missing = new Map<string, number[]>();
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i];
      const cached = this.cache.get(text);
      if (cached !== undefined) result[i] = cached;
      else {
        const at = missing.get(text);
        if (at) at.push(i);
        else missing.set(text, [i]);
      }
    }
    if (missing.size > 0) {
      const unique = [...missing.keys()];
      const counted = await Promise.all(unique.map((text) => this.count(text)));
      if (this.cache.size + unique.length > this.maxEntries) this.cache.clear();
      unique.forEach((text, k) => {
        this.cache.set(text, counted[k]);
        for (const i of missing.get(text) ?? []) result[i] = counted[k];
      });
    }
    return result;
  }

  async countOne(text: string): Promise<number> {
    return (await this.countAll([text]))[0];
  }
}
