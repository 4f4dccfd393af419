import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { embeddingReadiness } from "../../server/index/embeddingReadiness.js";
import { fuseRankings } from "../../server/index/rrf.js";
import { defaultSettings } from "../../server/config/schema.js";
import { EMBED_MODEL, makeWorkspace, openTestIndex, useIndexedWorkspace } from "./helpers.js";

const pad = (n: number) => Array.from({ length: n }, (_, i) => `  const step${i} = i${i % 3} + ${i};`).join("\n");

const FILES = {
  "src/settings.ts": [
    `/** Reads .dhi.json from a workspace folder and merges it over the defaults. */`,
    `export function loadSettingsForDirectory(root: string): Settings {`,
    `  const text = readTextFile(root + "/.dhi.json");`,
    pad(6),
    `  return mergeSettings(JSON.parse(text));`,
    `}`,
  ].join("\n"),
  "src/files.ts": [
    `export function readTextFile(path: string): string {`,
    `  const bytes = fs.readFileSync(path);`,
    pad(6),
    `  return bytes.toString("utf8");`,
    `}`,
  ].join("\n"),
  "src/http.ts": [
    `export class HttpServer {`,
    `  listen(port: number): void {`,
    `    this.socket = net.createServer().listen(port);`,
    pad(6),
    `  }`,
    `}`,
  ].join("\n"),
  "src/math.py": [
    `def compute_checksum(data):`,
    `    """Adler-32 style checksum of a byte string."""`,
    `    a, b = 1, 0`,
    `    for byte in data:`,
    `        a = (a + byte) % 65521`,
    `        b = (b + a) % 65521`,
    `    return (b << 16) | a`,
  ].join("\n"),
  "src/app.ts": [
    `export function startApp(): void {`,
    `  const settings = loadSettingsForDirectory(process.cwd());`,
    pad(6),
    `  new HttpServer().listen(settings.port);`,
    `}`,
  ].join("\n"),
};

describe("rank fusion", () => {
  it("is reciprocal rank fusion with k = 60", () => {
    const fused = fuseRankings([[1, 2, 3], [3, 1], []]);
    expect(fused.map((f) => f.id)).toEqual([1, 3, 2]);
    expect(fused[0].score).toBeCloseTo(1 / 61 + 1 / 62);
    expect(fused[2].score).toBeCloseTo(1 / 62);
  });
});

describe("hybrid search without vectors", () => {
  const fx = useIndexedWorkspace(FILES);

  it("matches split identifiers: words find camelCase and snake_case names", async () => {
    const [top] = await fx.index.search("load settings directory", { k: 3 });
    expect(top.chunk.symbol).toBe("loadSettingsForDirectory");
    const [py] = await fx.index.search("checksum compute", { k: 3 });
    expect(py.chunk.symbol).toBe("compute_checksum");
    const [server] = await fx.index.search("http server listen", { k: 3 });
    expect(server.chunk.symbol).toBe("HttpServer");
  });

  it("puts the definition of a queried identifier first, then its users (symbol-graph neighbours)", async () => {
    const hits = await fx.index.search("readTextFile", { k: 5 });
    expect(hits[0].chunk.symbol).toBe("readTextFile");
    expect(hits.map((h) => h.chunk.symbol)).toContain("loadSettingsForDirectory");
    const graph = fx.index.graphRanking("loadSettingsForDirectory");
    expect(graph.map((id) => fx.index.chunk(id)?.symbol)).toEqual(["loadSettingsForDirectory", "startApp"]);
  });

  it("returns scores best first and honours k", async () => {
    const hits = await fx.index.search("settings", { k: 2 });
    expect(hits).toHaveLength(2);
    expect(hits[0].score).toBeGreaterThanOrEqual(hits[1].score);
    expect(await fx.index.search("   ", { k: 2 })).toEqual([]);
    expect(await fx.index.search("\"unbalanced OR ( NEAR", { k: 2 })).toBeInstanceOf(Array);
  });

  it("retrieves definitions of identifiers near the cursor, then similar code, within the budget", async () => {
    const text = `function boot() {\n  const s = loadSettingsForDirectory(root);\n  `;
    const picked = await fx.index.retrieve({ path: "src/new.ts", text, offset: text.length, maxChars: 2000 });
    expect(picked[0]).toMatchObject({ reason: "definition", chunk: { symbol: "loadSettingsForDirectory" } });
    expect(picked.reduce((n, p) => n + p.chunk.text.length, 0)).toBeLessThanOrEqual(2000);
    const own = await fx.index.retrieve({ path: "src/settings.ts", text, offset: text.length, maxChars: 2000 });
    expect(own.every((p) => p.chunk.path !== "src/settings.ts"), JSON.stringify(own)).toBe(true);
    expect(await fx.index.retrieve({ path: "x.ts", text, offset: text.length, maxChars: 10 })).toEqual([]);
  });
});

describe("retrieval of value definitions", () => {
  const fx = useIndexedWorkspace({
    "src/limits.ts": `/** Uploads above this are refused. */\nexport const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;\n`,
    "src/settings.py": `DEFAULT_TIMEOUT = 30\n`,
  });

  it("gives the definitions of module constants used near the cursor", async () => {
    const ts = `export function accept(size: number): boolean {\n  return size <= MAX_UPLOAD_BYTES && `;
    const picked = await fx.index.retrieve({ path: "src/upload.ts", text: ts, offset: ts.length, maxChars: 2000 });
    expect(picked[0]).toMatchObject({ reason: "definition", chunk: { path: "src/limits.ts" } });
    expect(fx.index.definitions("DEFAULT_TIMEOUT")).toMatchObject([{ kind: "constant", path: "src/settings.py", startLine: 1 }]);
  });
});

describe("definitions for completion context, nearest first", () => {
  const parseIn = (what: string) => `export function parse(text: string): string[] {\n  return text.split("${what}");\n}\n`;
  const fx = useIndexedWorkspace({
    "src/a/util.ts": parseIn(","),
    "src/b/format.ts": parseIn(";"),
    "src/main/helpers.ts": parseIn("|"),
    "test/parse.test.ts": parseIn("\\n"),
    "src/main/app.ts": `import { parse } from "../b/format.js";\nexport const run = () => parse("x");\n`,
  });
  const firstDefinition = async (path: string, text: string) => {
    const picked = await fx.index.retrieve({ path, text, offset: text.length, maxChars: 4000 });
    return picked.filter((p) => p.reason === "definition").map((p) => p.chunk.path);
  };

  it("takes the definition from the file the code imports, then the same folder, and tests last", async () => {
    const usage = `  const fields = parse(line`;
    // app.ts imports ../b/format.js: that parse, then the one beside it.
    expect(await firstDefinition("src/main/app.ts", `import { parse } from "../b/format.js";\n${usage}`)).toEqual(["src/b/format.ts", "src/main/helpers.ts"]);
    // No import: the same folder first; a test's parse only after the others.
    const elsewhere = await firstDefinition("src/main/other.ts", usage);
    expect(elsewhere[0]).toBe("src/main/helpers.ts");
    expect(elsewhere).not.toContain("test/parse.test.ts");
  });
});

/** 600 chunks that all say "retry" (past the 500-chunk stop-word cap), one named after it, one with a rare word. */
function commonWordFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 600; i++) {
    files[`src/jobs/job${i}.py`] = `def job_${i}(queue):\n    retry = queue.pop()\n    return retry + ${i}\n`;
  }
  files["src/retry.py"] = `def retry_with_backoff(task, attempts):\n    for n in range(attempts):\n        task()\n`;
  files["src/zebra.py"] = `def paint_stripes(canvas):\n    retry = canvas.zebra\n    return retry\n`;
  return files;
}

describe("lexical ranking with common words", () => {
  const fx = useIndexedWorkspace(commonWordFiles());
  const symbols = (ids: number[]) => ids.map((id) => fx.index.chunk(id)?.symbol);

  it("ranks chunks named after a word found everywhere first, then fills the list with others that have it", () => {
    const ids = fx.index.lexicalRanking("retry", 20);
    expect(symbols(ids)[0]).toBe("retry_with_backoff");
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });

  it("lets a rare word decide when the query also has common ones", () => {
    expect(symbols(fx.index.lexicalRanking("retry zebra", 5))[0]).toBe("paint_stripes");
  });

  it("sees a word that a write adds or removes at once, though common words' counts are kept across writes", async () => {
    // Asked before it exists: the word's frequency (0) is cached, and must not outlive the write.
    expect(fx.index.lexicalRanking("okapi", 5)).toEqual([]);
    await fx.index.updateFile("src/okapi.py", "def feed_okapi(retry):\n    return retry\n");
    expect(symbols(fx.index.lexicalRanking("okapi", 5))).toEqual(["feed_okapi"]);
    // "retry" (in 600+ chunks) still acts as a stop word; the rare word decides.
    expect(symbols(fx.index.lexicalRanking("retry okapi", 5))[0]).toBe("feed_okapi");
    await fx.index.updateFile("src/okapi.py", null);
    expect(fx.index.lexicalRanking("okapi", 5)).toEqual([]);
  });
});

describe("embeddings (dhi-embed-tiny)", () => {
  const fx = useIndexedWorkspace(FILES, { embedModel: EMBED_MODEL });

  it("reports readiness for doctor, with a reason when there is no model", () => {
    const settings = defaultSettings();
    expect(embeddingReadiness(settings, { DHI_EMBED_MODEL: EMBED_MODEL })).toMatchObject({ ready: true });
    const missing = embeddingReadiness(settings, { DHI_EMBED_MODEL: "/nonexistent/model", DHI_CACHE_DIR: "/nonexistent" });
    expect(missing.ready).toBe(false);
    expect(missing.detail).toContain("DHI_EMBED_MODEL");
  });

  it("embeds every chunk into the HNSW index", () => {
    expect(fx.index.hasEmbeddings, JSON.stringify(fx.index.stats())).toBe(true);
    const stats = fx.index.stats();
    expect(stats.embeddings).toBe(stats.chunks);
    expect(fx.index.vectorCount).toBe(stats.chunks);
  });

  it("finds code by meaning with vectors alone", async () => {
    const ids = await fx.index.vectorRanking("checksum of bytes", 5);
    expect(ids.length).toBe(5);
    const hybrid = await fx.index.search("checksum of a byte string", { k: 3 });
    expect(hybrid[0].chunk.symbol).toBe("compute_checksum");
  });

  it("re-embeds only changed chunks and forgets deleted ones", async () => {
    const before = fx.index.embeddedSinceOpen;
    await fx.index.updateFile("src/http.ts", FILES["src/http.ts"].replace("listen(port", "listenOn(port"));
    await fx.index.idle();
    expect(fx.index.embeddedSinceOpen - before).toBe(1);
    await fx.index.updateFile("src/math.py", null);
    const ids = await fx.index.vectorRanking("checksum of bytes", 10);
    expect(ids.map((id) => fx.index.chunk(id)?.path)).not.toContain("src/math.py");
    expect(fx.index.vectorCount).toBe(fx.index.stats().chunks);
  });

  it("persists vectors next to the database and reloads them", async () => {
    const stats = fx.index.stats();
    await fx.index.dispose();
    writeFileSync(join(fx.ws.root, "src/extra.ts"), `export const extra = 1;\n`);
    fx.index = await openTestIndex(fx.ws.root, fx.ws.cache, { embedModel: EMBED_MODEL });
    expect(fx.index.vectorCount).toBe(stats.embeddings);
    const again = await fx.index.update();
    // Only three chunks are new to the index: extra.ts, and the disk versions of http.ts and math.py, whose
    // in-memory edits (listenOn, deletion) ended with the previous session.
    expect(fx.index.embeddedSinceOpen).toBe(3);
    expect(again.embeddings).toBe(again.chunks);
    expect(fx.index.consistencyProblems()).toEqual([]);
  });

  it("reconciles a vector file saved before later changes with SQLite instead of rebuilding it", async () => {
    expect(fx.index.vectorsLoadedFrom).toBe("file");
    // Small passes leave the file as it was saved (the save waits), as a crash right now would.
    await fx.index.updateFile("src/late.ts", "export function lateChecksum(bytes: Uint8Array): number {\n  return bytes.length;\n}\n");
    await fx.index.updateFile("src/files.ts", null);
    await fx.index.idle();
    const restarted = await openTestIndex(fx.ws.root, fx.ws.cache, { embedModel: EMBED_MODEL });
    try {
      expect(restarted.vectorsLoadedFrom).toBe("reconciled");
      expect(restarted.vectorCount).toBe(restarted.stats().embeddings);
      // Asking for every vector: a dead label left in the HNSW would take a place and then map to no chunk.
      const ids = await restarted.vectorRanking("checksum of bytes", 100);
      expect(ids).toHaveLength(restarted.vectorCount);
      const paths = ids.map((id) => restarted.chunk(id)?.path);
      expect(paths).toContain("src/late.ts");
      expect(paths).not.toContain("src/files.ts");
    } finally {
      await restarted.dispose();
    }
  });
});

describe("vector file saves", () => {
  it("waits after a small embedding pass, then saves every change since in one write", async () => {
    const ws = makeWorkspace(FILES);
    const file = () => join(ws.cache, "workspaces");
    const index = await openTestIndex(ws.root, ws.cache, { embedModel: EMBED_MODEL, vectorSaveDelayMs: 300 });
    try {
      await index.update();
      const hnsw = vectorFile(file());
      const savedAt = async (after: number): Promise<number> => {
        for (let i = 0; i < 100; i++) {
          const at = existsSync(hnsw) ? statSync(hnsw).mtimeMs : -1;
          if (at > after) return at;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error("the vector file was not saved");
      };
      const first = await savedAt(-1);
      await index.updateFile("src/http.ts", FILES["src/http.ts"].replace("listen(port", "listenOn(port"));
      await index.idle();
      expect(statSync(hnsw).mtimeMs).toBe(first);
      await savedAt(first);
      await index.dispose();
      const reopened = await openTestIndex(ws.root, ws.cache, { embedModel: EMBED_MODEL });
      expect(reopened.vectorsLoadedFrom).toBe("file");
      await reopened.dispose();
    } finally {
      await index.dispose();
      ws.cleanup();
    }
  });
});

/** The one workspace cache folder's HNSW file. */
function vectorFile(workspaces: string): string {
  const [dir] = readdirSync(workspaces);
  return join(workspaces, dir, "vectors.hnsw");
}
