import type { CompletionEntry } from "./CompletionEntry.js";

export interface CompletionLruOptions {
  /** Defaults to 100 (Tabby). */
  maxEntries?: number;
  /** Defaults to 5 minutes (Tabby). */
  ttlMs?: number;
  /** Characters of the prefix's end in the key. Defaults to 1000. */
  prefixChars?: number;
  /** Characters of the suffix's start in the key. Defaults to 500. */
  suffixChars?: number;
}

/** Recent (prefix tail, suffix head) → completion, across documents; a Map keeps insertion order for LRU. */
export class CompletionLru {
  private readonly entries = new Map<string, CompletionEntry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly prefixChars: number;
  private readonly suffixChars: number;

  constructor(options: CompletionLruOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.prefixChars = options.prefixChars ?? 1000;
    this.suffixChars = options.suffixChars ?? 500;
  }

  key(prefix: string, suffix: string, variant: string): string {
    return `${variant}\u0000${prefix.slice(-this.prefixChars)}\u0000${suffix.slice(0, this.suffixChars)}`;
  }

  get(key: string, now = Date.now()): CompletionEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (now - entry.createdAt > this.ttlMs) return undefined;
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CompletionEntry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
