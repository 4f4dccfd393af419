import { describe, expect, it } from "vitest";
import { remainderOf, type CompletionEntry } from "../../server/completion/cache/CompletionEntry.js";
import { CompletionLru } from "../../server/completion/cache/CompletionLru.js";
import { TypeThroughCache } from "../../server/completion/cache/TypeThroughCache.js";
import { RecentFiles, chunkSimilarity } from "../../server/completion/context/RecentFiles.js";
import { AcceptanceStats, suggestionId } from "../../server/completion/AcceptanceStats.js";

let ids = 0;
const entry = (prefix: string, suffix: string, text: string): CompletionEntry => ({
  id: `c${++ids}`, prefix, suffix, text, replaceLength: 0, createdAt: Date.now(),
  debug: { context: [], multiline: false, filtersApplied: [], timings: {}, tokens: {} },
});

describe("type-through", () => {
  it("serves the rest of a completion the user is typing", () => {
    const e = entry("x = ", "\n", "foo(1)");
    expect(remainderOf(e, "x = fo", "\n")?.text).toBe("o(1)");
    expect(remainderOf(e, "x = ", "\n")?.text).toBe("foo(1)");
    expect(remainderOf(e, "x = fa", "\n")).toBeNull();
    expect(remainderOf(e, "x = foo(1)", "\n")).toBeNull(); // fully typed: ask the model for the next one
    expect(remainderOf(e, "y = fo", "\n")).toBeNull();
    expect(remainderOf(e, "x = fo", ")\n")).toBeNull();
  });

  it("keeps the last few completions per document", () => {
    const cache = new TypeThroughCache();
    cache.remember("a", entry("x = ", "", "foo"));
    cache.remember("a", entry("y = ", "", "bar"));
    expect(cache.lookup("a", "x = f", "")?.text).toBe("oo");
    expect(cache.lookup("b", "x = f", "")).toBeNull();
  });
});

describe("LRU", () => {
  it("keys on prefix tail and suffix head, evicts the oldest and expires", () => {
    const lru = new CompletionLru({ maxEntries: 2, ttlMs: 1000, prefixChars: 4 });
    const k1 = lru.key("long prefix abcd", "s", "v");
    expect(k1).toBe(lru.key("other text abcd", "s", "v"));
    lru.set(k1, entry("", "", "one"));
    lru.set("k2", entry("", "", "two"));
    lru.set("k3", entry("", "", "three"));
    expect(lru.get(k1)).toBeUndefined();
    expect(lru.get("k3", Date.now())?.text).toBe("three");
    expect(lru.get("k2", Date.now() + 5000)).toBeUndefined();
  });
});

describe("recent-files ring", () => {
  it("cuts a chunk around the last edit of other files, oldest first, evicting near-duplicates", () => {
    const ring = new RecentFiles({ maxChunks: 2, chunkLines: 4 });
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    ring.noteDocument("a", "a.ts", lines.join("\n"));
    expect(ring.admit("b")).toBe(true);
    expect(ring.chunksFor("b").map((c) => c.startLine)).toEqual([0]);
    const edited = [...lines];
    edited[10] = "edited line";
    ring.noteDocument("a", "a.ts", edited.join("\n"));
    ring.admit("b");
    const chunks = ring.chunksFor("b");
    expect(chunks.map((c) => c.startLine)).toEqual([0, 8]);
    expect(chunks[1].text).toContain("edited line");
    // A third file: the oldest chunk leaves from the front, the order of the rest is kept (a stable prompt start).
    ring.noteDocument("e", "e.ts", "epsilon\nzeta");
    ring.admit("b");
    expect(ring.chunksFor("b").map((c) => c.path)).toEqual(["a.ts", "e.ts"]);
    expect(ring.chunksFor("b")[0].startLine).toBe(8);
    expect(ring.chunksFor("a").map((c) => c.path)).toEqual(["e.ts"]);
    ring.noteDocument("c", "c.ts", "alpha\nbeta");
    ring.noteDocument("d", "d.ts", "alpha\nbeta");
    ring.admit("z");
    expect(ring.chunksFor("z").filter((c) => c.text === "alpha\nbeta")).toHaveLength(1);
    expect(chunkSimilarity("a\nb", "a\nb")).toBe(1);
  });

  it("changes only at admit(), which leaves the asking file's own notes pending and says whether anything changed", () => {
    const ring = new RecentFiles({ chunkLines: 4 });
    ring.noteDocument("a", "a.ts", "alpha\nbeta");
    ring.noteDocument("b", "b.ts", "gamma\ndelta");
    expect(ring.chunksFor("c")).toEqual([]); // noted, not admitted: what a request sees until the editor is idle
    expect(ring.admit("b")).toBe(true);
    expect(ring.chunksFor("c").map((c) => c.path)).toEqual(["a.ts"]);
    expect(ring.admit("b")).toBe(false); // b.ts, the file being typed in, stays pending
    expect(ring.admit("a")).toBe(true);
    expect(ring.chunksFor("c").map((c) => c.path)).toEqual(["a.ts", "b.ts"]);
    ring.noteDocument("e", "e.ts", "   \n");
    expect(ring.admit(null)).toBe(false); // a blank file cuts no chunk
    // Nor does a minified bundle (its one line is the whole file) or binary text: no prompt has room for them.
    ring.noteDocument("m", "m.js", `var a=1;${"function f(){return 1};".repeat(2000)}`);
    ring.noteDocument("n", "n.bin", "ab\u0000cd\nef");
    expect(ring.admit(null)).toBe(false);
    expect(ring.chunksFor("c").map((c) => c.path)).toEqual(["a.ts", "b.ts"]);
  });
});

describe("acceptance stats", () => {
  it("counts each id once and reports the rate", () => {
    const stats = new AcceptanceStats();
    stats.shown("a");
    stats.shown("a");
    stats.shown("b");
    stats.accepted("b");
    stats.accepted("b");
    expect(stats.snapshot()).toEqual({ shown: 2, accepted: 1, rate: 0.5, partiallyAccepted: 0, partialRate: 0 });
  });

  it("counts a request's suggestions as one completion and partial accepts apart from full ones", () => {
    const stats = new AcceptanceStats();
    stats.shown("a");
    stats.partiallyAccepted(suggestionId("a", 2)); // the user took a word of the third suggestion
    stats.shown("b");
    stats.partiallyAccepted("b");
    stats.accepted(suggestionId("b", 1)); // then all of another one: a full accept wins
    stats.shown("c");
    stats.shown("d");
    expect(stats.snapshot()).toEqual({ shown: 4, accepted: 1, rate: 0.25, partiallyAccepted: 1, partialRate: 0.25 });
  });
});
