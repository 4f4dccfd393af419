import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calibrateFusion, type FusionCalibration } from "../../server/index/calibration/calibrateFusion.js";
import { calibrationQuery, callSiteQuery, queryKind } from "../../server/index/calibration/calibrationQueries.js";
import { CALIBRATION_FILE, calibrationStale, readCalibration } from "../../server/index/calibration/calibrationFile.js";
import type { WorkspaceIndex } from "../../server/index/WorkspaceIndex.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { EMBED_MODEL, useIndexedWorkspace } from "./helpers.js";

// Fusion calibration on a fixture workspace: Python functions with docstrings (test/index/fixtures/calibration).
// Each docstring is a query whose answer is its own function, ranked with the docstring held out.

const FIXTURE = readFileSync(join(REPO_ROOT, "test/index/fixtures/calibration/strings.py"), "utf8");

/** A deterministic embedder whose vectors mean nothing: what calibration must learn to ignore. */
function randomEmbedder(dims = 64): (texts: string[]) => Promise<Float32Array[]> {
  let seed = 7;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  return (texts) => Promise.resolve(texts.map(() => normalised(Float32Array.from({ length: dims }, next))));
}

function normalised(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function calibrateWithRandomVectors(index: WorkspaceIndex): Promise<FusionCalibration> {
  const embed = randomEmbedder();
  const stored = new Map<number, Float32Array>();
  return calibrateFusion({
    embeddingModel: "random",
    chunkCount: index.stats().chunks,
    sampleChunks: (limit, kinds) => index["store"].chunks.sample(limit, kinds),
    storedVector: (id) => stored.get(id) ?? null,
    embed: async (texts) => embed(texts),
    graphRanking: (query, depth) => index.graphRanking(query, depth),
    rankings: async (query, depth) => [index.lexicalRanking(query, depth), [], index.graphRanking(query, depth)],
    callerChunks: (name, limit) => index["store"].graph.callerChunks(name, limit),
    chunkText: (id) => index.chunk(id)?.text ?? null,
  });
}

describe("calibration queries", () => {
  it("take a call site in another chunk as a code query, and tell code from prose", () => {
    const target = { id: 1, kind: "function", symbol: "Stats.mean", text: "def mean(data):\n    return sum(data) / len(data)\n" };
    const caller = { id: 2, text: "def report(rows):\n    values = [r.v for r in rows]\n    avg = mean(values)\n    return avg\n" };
    const q = callSiteQuery(target, caller);
    expect(q).toMatchObject({ chunkId: 1, query: "def report(rows):\n    values = [r.v for r in rows]\n    avg = mean(values)" });
    expect(callSiteQuery(target, { id: 3, text: "def meanwhile():\n    pass\n" })).toBeNull();
    expect(queryKind(q?.query ?? "")).toBe("code");
    for (const prose of ["Return the sample arithmetic mean of data.", "Calls `parse()` first, then validates it (see settings).", "Fusion with k = 60; best first."]) {
      expect(queryKind(prose), prose).toBe("prose");
    }
    for (const code of ["index.search(query)", "foo(bar, baz)", "if (a && b) return c;", "const f = () => 1"]) expect(queryKind(code), code).toBe("code");
  });

  it("take a docstring or doc comment as the query and hold it out of the answer", () => {
    const py = calibrationQuery({ id: 1, kind: "function", symbol: "mean", text: 'def mean(data):\n    """Return the sample arithmetic mean of data."""\n    return sum(data) / len(data)\n' });
    expect(py).toMatchObject({ query: "Return the sample arithmetic mean of data." });
    expect(py?.heldOut).not.toContain("arithmetic");
    expect(py?.heldOut).toContain("return sum(data)");
    const js = calibrationQuery({ id: 2, kind: "function", symbol: "add", text: "/**\n * Adds two numbers and returns the total.\n * @param a first\n */\nfunction add(a, b) {\n  return a + b;\n}" });
    expect(js).toMatchObject({ query: "Adds two numbers and returns the total." });
    expect(js?.heldOut.split("\n")).toHaveLength(7);
    expect(calibrationQuery({ id: 3, kind: "function", symbol: "f", text: "// too short\nfunction f() {}" })).toBeNull();
    expect(calibrationQuery({ id: 4, kind: "class", symbol: "C", text: "/** A class with a long doc comment. */\nclass C {}" })).toBeNull();
  });
});

describe("fusion calibration with a useless embedder (random vectors)", () => {
  const fixture = useIndexedWorkspace({ "strings.py": FIXTURE }, { embedModel: null });

  it("gives the vectors weight 0, so hybrid recall equals FTS recall", async () => {
    const { prose } = await calibrateWithRandomVectors(fixture.index);
    expect(prose.measured, JSON.stringify(prose)).toBe(true);
    expect(prose.queries).toBeGreaterThanOrEqual(25);
    expect(prose.recallAt5.fts).toBeGreaterThan(0.3);
    expect(prose.weights.vectors).toBe(0);
    expect(prose.recallAt5.hybrid).toBe(prose.recallAt5.fts);
  });

  it("is stored beside the index, and search uses its weights", async () => {
    const dir = join(fixture.ws.cache, "workspaces", readdirOne(fixture.ws.cache));
    expect(existsSync(join(dir, CALIBRATION_FILE))).toBe(true);
    const saved = readCalibration(dir);
    expect(saved).not.toBeNull();
    expect(saved?.embeddingModel).toBe("none");
    expect(fixture.index.fusionWeights("the sample arithmetic mean")).toEqual([saved?.prose.weights.fts, saved?.prose.weights.vectors, saved?.prose.weights.graph]);
    // The fixture has too few call sites to measure code queries: those keep plain RRF.
    expect(saved?.code.measured).toBe(false);
    expect(fixture.index.fusionWeights("x = mean(values);")).toEqual([1, 1, 1]);
    expect(calibrationStale(saved, "none", saved?.chunks ?? 0)).toBe(false);
    expect(calibrationStale(saved, "other-model|128", saved?.chunks ?? 0)).toBe(true);
    expect(calibrationStale(saved, "none", (saved?.chunks ?? 0) * 2 + 200)).toBe(true);
  });
});

describe("fusion calibration with the test embedder", () => {
  const fixture = useIndexedWorkspace({ "strings.py": FIXTURE }, { embedModel: EMBED_MODEL });

  it("measures vectors above chance and raises their weight above the useless embedder's 0", async () => {
    expect(fixture.index.fusionCalibration?.embeddingModel).toContain("dhi-embed-tiny");
    const prose = fixture.index.fusionCalibration?.prose;
    expect(prose?.measured, JSON.stringify(prose)).toBe(true);
    expect(prose?.weights.vectors).toBeGreaterThan(0);
    expect(prose?.recallAt5.hybrid).toBeGreaterThanOrEqual(Math.max(prose?.recallAt5.fts ?? 0, prose?.recallAt5.vectors ?? 0));
  });
});

function readdirOne(cache: string): string {
  return readdirSync(join(cache, "workspaces"))[0];
}
