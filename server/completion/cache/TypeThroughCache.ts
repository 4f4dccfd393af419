import { remainderOf, type CompletionEntry, type Remainder } from "./CompletionEntry.js";

// Room for every suggestion of the last completion (completion.suggestions ≤ 5) and a few older ones.
const PER_DOCUMENT = 8;

/** The last few completions of each document, for serving the rest of a completion as the user types it. */
export class TypeThroughCache {
  private readonly byDocument = new Map<string, CompletionEntry[]>();

  remember(uri: string, entry: CompletionEntry): void {
    const entries = (this.byDocument.get(uri) ?? []).filter((e) => e.id !== entry.id);
    entries.unshift(entry);
    if (entries.length > PER_DOCUMENT) entries.length = PER_DOCUMENT;
    this.byDocument.delete(uri); // re-insert: the map stays ordered by recency
    this.byDocument.set(uri, entries);
    if (this.byDocument.size > 64) this.byDocument.delete(this.byDocument.keys().next().value as string);
  }

  /** Remembers a completion and its alternative suggestions, the completion first. */
  rememberAll(uri: string, entry: CompletionEntry): void {
    for (const alternative of [...(entry.alternatives ?? [])].reverse()) this.remember(uri, alternative);
    this.remember(uri, entry);
  }

  lookup(uri: string, prefix: string, suffix: string): Remainder | null {
    return this.lookupAll(uri, prefix, suffix)[0] ?? null;
  }

  /** Every remembered completion the user's typing still follows, most recent first, distinct texts. */
  lookupAll(uri: string, prefix: string, suffix: string): Remainder[] {
    const found: Remainder[] = [];
    for (const entry of this.byDocument.get(uri) ?? []) {
      const remainder = remainderOf(entry, prefix, suffix);
      if (remainder && !found.some((r) => r.text === remainder.text)) found.push(remainder);
    }
    return found;
  }

  forget(uri: string): void {
    this.byDocument.delete(uri);
  }

  clear(): void {
    this.byDocument.clear();
  }
}
