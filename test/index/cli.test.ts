import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../server/cli/args.js";
import { main } from "../../server/cli/main.js";
import { CLI } from "../helpers/paths.js";
import { EMBED_MODEL, makeWorkspace, updateProcessOf } from "./helpers.js";

function capture(cwd: string, env: NodeJS.ProcessEnv, stderrIsTerminal = false): CliIO & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { stdout: (t) => (out += t), stderr: (t) => (err += t), env, cwd, stderrIsTerminal, out: () => out, err: () => err };
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
    // Each error is one "dhi: " line; a malformed command line is followed by the subcommand's usage.
    const lines = io.err().trim().split("\n");
    const usage = (l: string) => l.startsWith("usage: dhi ") || l.startsWith("  ");
    expect(lines.filter((l) => !usage(l)).every((l) => l.startsWith("dhi: ")), JSON.stringify(lines.filter((l) => !usage(l)))).toBe(true);
    expect(lines.filter((l) => l.startsWith("usage: dhi "))).toEqual(["usage: dhi search QUERY [--dir DIR] [-k N] [--json]", "usage: dhi index [DIR] [--json]", "usage: dhi index [DIR] [--json]"]);
  });

  it("draws progress on stderr when it is a terminal, and clears it before the stats", async () => {
    const fresh = makeWorkspace({});
    const io = capture(ws.root, { DHI_CACHE_DIR: fresh.cache, DHI_EMBED_MODEL: EMBED_MODEL }, true);
    try {
      expect(await main(["index", "."], io)).toBe(0);
      expect(io.err()).toContain("\rdhi index: Indexing files (2/2, 100%)");
      expect(io.err()).toContain("\rdhi index: Embedding chunks (2/2, 100%)");
      expect(io.err().endsWith("\r"), io.err()).toBe(true); // the line is blanked out, nothing left behind
      expect(io.out()).toMatch(/^files 2\nchunks 2\n/);
    } finally {
      fresh.cleanup();
    }
  });
});

describe("dhi index interrupted", () => {
  it("keeps what was indexed on Ctrl-C (to the whole process group), exits 130, and the next run completes the index", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 4000; i++) files[`src/mod${i}.ts`] = `export function handler${i}(input: number): number {\n  return input * ${i};\n}\n`;
    const ws = makeWorkspace(files);
    const env = { ...process.env, DHI_CACHE_DIR: ws.cache, DHI_EMBED_MODEL: "none" };
    try {
      // A process group of its own, to be interrupted as a terminal's Ctrl-C does: every process in it gets SIGINT.
      const child = spawn(process.execPath, [CLI, "index", ws.root], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      // Interrupt while the update process is at work (it and its extraction processes get the SIGINT too).
      for (let i = 0; i < 400 && updateProcessOf(child.pid as number) === null; i++) await new Promise((r) => setTimeout(r, 10));
      expect(updateProcessOf(child.pid as number)).not.toBeNull();
      await new Promise((r) => setTimeout(r, 200));
      process.kill(-(child.pid as number), "SIGINT");
      expect(await exited).toBe(130);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/^dhi: indexing interrupted; kept \d+ files, \d+ chunks, 0 embeddings \(run dhi index again to go on\)\n$/);

      const io = capture(ws.root, { DHI_CACHE_DIR: ws.cache, DHI_EMBED_MODEL: "none" });
      expect(await main(["index", "--json"], io)).toBe(0);
      expect(JSON.parse(io.out())).toMatchObject({ files: 4000, chunks: 4000 });
    } finally {
      ws.cleanup();
    }
  }, 60_000);
});
