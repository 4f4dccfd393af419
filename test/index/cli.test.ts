import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../server/cli/args.js";
import { main } from "../../server/cli/main.js";
import { EMBED_MODEL, makeWorkspace } from "./helpers.js";

function capture(cwd: string, env: NodeJS.ProcessEnv): CliIO & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { stdout: (t) => (out += t), stderr: (t) => (err += t), env, cwd, out: () => out, err: () => err };
}

describe("dhi index / dhi search", () => {
  let ws: ReturnType<typeof makeWorkspace>;
  beforeAll(() => {
    ws = makeWorkspace({
      "src/cache.ts": [
        `/** Evicts the least recently used entry when the cache is full. */`,
        `export function evictLeastRecentlyUsed(cache: Map<string, number>, limit: number): void {`,
        `  while (cache.size > limit) cache.delete(cache.keys().next().value as string);`,
        `}`,
      ].join("\n"),
      "src/main.py": `def start_server(port):\n    return port\n`,
    });
  });
  afterAll(() => ws.cleanup());

  it("indexes a directory and prints stats (text and JSON)", async () => {
    const io = capture(ws.root, { DHI_CACHE_DIR: ws.cache, DHI_EMBED_MODEL: "/nonexistent" });
    expect(await main(["index", "."], io)).toBe(0);
    expect(io.out()).toMatch(/^files 2\nchunks 2\nsymbols 2\nreferences \d+\nembeddings 0\nseconds \d+\.\d\d\n$/);
    expect(io.err()).toContain("DHI_EMBED_MODEL");

    const json = capture(ws.root, { DHI_CACHE_DIR: ws.cache, DHI_EMBED_MODEL: EMBED_MODEL });
    expect(await main(["index", ws.root, "--json"], json)).toBe(0);
    const stats = JSON.parse(json.out()) as Record<string, unknown>;
    expect(stats).toMatchObject({ files: 2, chunks: 2, symbols: 2, embeddings: 2, hasEmbeddings: true });
    expect(Object.keys(stats)).toEqual(expect.arrayContaining(["files", "chunks", "symbols", "references", "embeddings", "seconds"]));
  });

  it("searches, best first, as path:start-end score symbol", async () => {
    const io = capture(ws.root, { DHI_CACHE_DIR: ws.cache, DHI_EMBED_MODEL: EMBED_MODEL });
    expect(await main(["search", "evict least recently used", "-k", "2"], io)).toBe(0);
    const lines = io.out().trim().split("\n");
    expect(lines[0]).toMatch(/^src\/cache\.ts:1-4 0\.\d{4} evictLeastRecentlyUsed$/);
    expect(lines.length).toBeLessThanOrEqual(2);

    const json = capture("/", { DHI_CACHE_DIR: ws.cache, DHI_EMBED_MODEL: EMBED_MODEL });
    expect(await main(["search", "start server port", "--dir", ws.root, "--json"], json)).toBe(0);
    const hits = JSON.parse(json.out()) as Array<{ path: string; symbol: string; score: number }>;
    expect(hits[0]).toMatchObject({ path: "src/main.py", symbol: "start_server" });
  });

  it("exits 2 on bad usage", async () => {
    const io = capture(ws.root, { DHI_CACHE_DIR: ws.cache });
    expect(await main(["search"], io)).toBe(2);
    expect(await main(["search", "x", "-k", "zero"], io)).toBe(2);
    expect(await main(["search", "x", "--dir", "/nonexistent/dir"], io)).toBe(2);
    expect(await main(["index", "a", "b"], io)).toBe(2);
    expect(await main(["index", "/nonexistent/dir"], io)).toBe(2);
    expect(await main(["index", "--bogus"], io)).toBe(2);
    expect(io.err().trim().split("\n").every((l) => l.startsWith("dhi: "))).toBe(true);
  });
});
