import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FusionCalibration, KindCalibration, PerRanker } from "../../server/index/calibration/calibrateFusion.js";
import { HybridSearch } from "../../server/index/HybridSearch.js";
import { IndexStore } from "../../server/index/IndexStore.js";
import { prepareFile } from "../../server/index/prepareFile.js";
import { fuseRankings } from "../../server/index/rrf.js";

const FILES: Record<string, string> = {
  "parse.ts": "/** Reads the configuration text into settings. */\nexport function parseConfig(text: string): Settings {\n  return JSON.parse(text);\n}\n",
  "load.ts": "export function loadWorkspace(root: string): Settings {\n  const text = readFile(root);\n  return parseConfig(text);\n}\n",
  "reload.ts": "export function reloadWorkspace(root: string): Settings {\n  const fallback = parseConfig(\"{}\");\n  return parseConfig(readFile(root)) ?? fallback;\n}\n",
  "notes.ts": "/** The configuration text may be empty; configuration text is read once. */\nexport function describeConfiguration(): string {\n  return \"configuration text\";\n}\n",
};

function kind(weights: PerRanker): KindCalibration {
  const zero = { fts: 0, vectors: 0, graph: 0, hybrid: 0 };
  return { measured: true, queries: 8, recallAt5: zero, mrr: zero, weights };
}

function calibrationWith(weights: PerRanker): FusionCalibration {
  return { embeddingModel: "none", chunks: 4, pool: 4, prose: kind(weights), code: kind(weights) };
}

describe("HybridSearch", () => {
  let dir: string;
  let store: IndexStore;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dhi-hybrid-"));
    store = new IndexStore(join(dir, "index.db"));
    store.transaction(() => {
      for (const [path, text] of Object.entries(FILES)) store.writeFile(path, path, 1, text.length, prepareFile(text, "typescript"));
    });
  });

  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const idOf = (path: string): number => store.chunks.ofPath(path)[0].id;
  const paths = (ids: number[]): string[] => ids.map((id) => store.chunks.byId(id)?.path ?? "?");

  it("ranks a named symbol's definition first in the graph list, then the definitions that call it most", () => {
    const search = new HybridSearch({ store, embedder: null, vectors: null, calibration: null });
    expect(paths(search.graphRanking("parseConfig"))).toEqual(["parse.ts", "reload.ts", "load.ts"]);
    expect(search.graphRanking("how is configuration text read")).toEqual([]);
  });

  it("fuses the lexical, vector and graph lists with weighted RRF", async () => {
    const search = new HybridSearch({ store, embedder: null, vectors: null, calibration: null });
    const query = "parseConfig configuration text";
    const [lexical, vectors, graph] = await search.rankings(query);
    expect(vectors, "no embedder, no vector list").toEqual([]);
    expect(lexical.length).toBeGreaterThan(1);
    expect(graph[0]).toBe(idOf("parse.ts"));
    const hits = await search.search(query, { k: 3 });
    const expected = fuseRankings([lexical, vectors, graph], 60, [1, 1, 1]).slice(0, 3);
    expect(hits.map((h) => [h.chunk.id, h.score])).toEqual(expected.map((f) => [f.id, f.score]));
    // parse.ts is in both lists: it beats what only one list has.
    expect(hits[0].chunk.path).toBe("parse.ts");
  });

  it("uses the calibrated weights: a ranker weighted 0 leaves the fusion", async () => {
    const graphOnly = new HybridSearch({ store, embedder: null, vectors: null, calibration: calibrationWith({ fts: 0, vectors: 0, graph: 1 }) });
    const query = "parseConfig configuration text";
    expect(graphOnly.fusionWeights(query)).toEqual([0, 0, 1]);
    const hits = await graphOnly.search(query);
    expect(hits.map((h) => h.chunk.path)).toEqual(["parse.ts", "reload.ts", "load.ts"]);

    const ftsOnly = new HybridSearch({ store, embedder: null, vectors: null, calibration: calibrationWith({ fts: 1, vectors: 0, graph: 0 }) });
    const lexical = ftsOnly.lexicalRanking(query);
    expect((await ftsOnly.search(query, { k: 10 })).map((h) => h.chunk.id)).toEqual(lexical.slice(0, 10));
  });

  it("forgets cached word counts when told of a write", async () => {
    const search = new HybridSearch({ store, embedder: null, vectors: null, calibration: null });
    expect(search.lexicalRanking("zebrafish")).toEqual([]);
    const text = "export function zebrafish(): number {\n  return 7;\n}\n";
    store.transaction(() => store.writeFile("zebra.ts", "z", 1, text.length, prepareFile(text, "typescript")));
    search.written(false);
    expect(paths(search.lexicalRanking("zebrafish"))).toEqual(["zebra.ts"]);
  });
});
