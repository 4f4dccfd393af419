import { remainderOf, type CompletionEntry, type Remainder } from "./CompletionEntry.js";

const PER_DOCUMENT = 4;

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

  lookup(uri: string, prefix: string, suffix: string): Remainder | null {
    for (const entry of this.byDocument.get(uri) ?? []) {
      const remainder = remainderOf(entry, prefix, suffix);
      if (remainder) return remainder;
    }
    return null;
  }

  forget(uri: string): void {
    this.byDocument.delete(uri);
  }

  clear(): void {
    this.byDocument.clear();
  }
}
