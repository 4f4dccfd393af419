// Retrieval quality (JSON on stdout). Run `npx tsc -p .` first: this imports the built server from dist/.
//   node bench/retrieval.mjs [--n 150] [--keep]
// For each corpus (this repository's server/ sources, and a real code base under node_modules), N functions with a
// doc comment are sampled. Their doc comments are blanked out of a copy of the corpus (line numbers kept), the copy
// is indexed with the shared tiny embedding model, and each doc comment is used as a query: a hit is a chunk that
// contains the function's first line. A second query set uses a call site of the function from another file (the
// line of code around the call), also against the copy. Reported per retriever (FTS5 alone, vectors alone, and the
// hybrid RRF of FTS5 + vectors + symbol graph with the weights the index calibrated on the corpus itself, which is
// what search uses; plus plain equal-weight RRF, and RRF without vectors): recall@5 and MRR (over the top 50).
// --embed-model DIR measures another transformers.js model folder instead of the tiny test embedder.
// A third run puts the second corpus among ~100k chunks of other code from node_modules (--distractors files), to
// check that search stays as good at that scale (lexical search bounds its work per query there). That run has no
// vectors (embedding 100k chunks with the tiny model takes minutes): FTS5, graph and their fusion only.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildCorpus, listSources, round } from "./corpus.mjs";

const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "150" }, distractors: { type: "string", default: "11000" }, keep: { type: "boolean", default: false },
    "embed-model": { type: "string" },
  },
});
const { openIndex } = await import(join(REPO, "dist/index/openIndex.js"));
const { extractFile } = await import(join(REPO, "dist/index/extractFile.js"));
const { languageOf } = await import(join(REPO, "dist/syntax/index.js"));
const { fuseRankings } = await import(join(REPO, "dist/index/rrf.js"));
const { defaultSettings } = await import(join(REPO, "dist/config/schema.js"));
const { Logger } = await import(join(REPO, "dist/util/logger.js"));

const EMBED_MODEL = resolve(args["embed-model"] ?? join(REPO, "../shared/models/dhi-embed-tiny"));
const TRANSFORMERS = join(REPO, "node_modules/@huggingface/transformers");
const CORPORA = [
  { name: "dhi (this repository, server/)", dir: join(REPO, "server") },
  { name: "@huggingface/transformers (node_modules, src/)", dir: join(TRANSFORMERS, "src") },
  {
    name: "@huggingface/transformers src/ among other node_modules code (no vectors)", dir: join(TRANSFORMERS, "src"),
    // The package's own bundles repeat its sources: a copy of a target would count as a miss.
    distractors: Number(args.distractors), distractorsExclude: TRANSFORMERS, embeddings: false,
  },
];
const N = Number(args.n);
/** Query-understanding variants: stop words dropped (none / basic / extended) and the symbol-name bm25 boost. */
const TUNINGS = {
  "before: stopWords=basic, symbolWeight=8": { stopWords: "basic", symbolWeight: 8 },
  "stopWords=none": { stopWords: "none", symbolWeight: 8 },
  "stopWords=extended": { stopWords: "extended", symbolWeight: 8 },
  "symbolWeight=1": { stopWords: "basic", symbolWeight: 1 },
  "symbolWeight=4": { stopWords: "basic", symbolWeight: 4 },
  "symbolWeight=16": { stopWords: "basic", symbolWeight: 16 },
  "symbolWeight=32": { stopWords: "basic", symbolWeight: 32 },
  "default: stopWords=extended, symbolWeight=16": { stopWords: "extended", symbolWeight: 16 },
};
const log = (m) => process.stderr.write(`[bench:retrieval] ${m}\n`);

/** A deterministic shuffle (mulberry32), so every run samples the same functions. */
function shuffled(items, seed = 42) {
  let a = seed;
  const rand = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The `/** … *\/` block ending on the line above `line` (1-based): its line range and its prose. */
function docCommentAbove(lines, line) {
  let end = line - 2;
  while (end >= 0 && lines[end].trim() === "") end--;
  if (end < 0 || !lines[end].trim().endsWith("*/")) return null;
  let start = end;
  while (start >= 0 && !lines[start].includes("/**")) start--;
  if (start < 0 || end - start > 40) return null;
  const prose = lines.slice(start, end + 1).join("\n")
    .replace(/\/\*\*|\*\//g, "").split("\n").map((l) => l.replace(/^\s*\*\s?/, ""))
    .filter((l) => !l.trim().startsWith("@")).join(" ").replace(/\{@link\s+([^}]+)\}/g, "$1").replace(/\s+/g, " ").trim();
  return prose.split(/\s+/).length >= 4 ? { start: start + 1, end: end + 1, prose } : null;
}

function sampleTargets(dir) {
  const files = listSources(dir).filter((f) => languageOf(f));
  const texts = new Map(files.map((f) => [relative(dir, f).split("\\").join("/"), readFileSync(f, "utf8")]));
  const candidates = [];
  for (const [path, text] of texts) {
    const lines = text.split("\n");
    for (const sym of extractFile(text, languageOf(path)).symbols) {
      if (sym.kind !== "function" && sym.kind !== "method") continue;
      if (sym.endLine - sym.startLine < 2 || sym.name.length < 4) continue;
      const doc = docCommentAbove(lines, sym.startLine);
      if (doc) candidates.push({ path, name: sym.name, line: sym.startLine, doc });
    }
  }
  const seen = new Set();
  const targets = shuffled(candidates).filter((c) => !seen.has(c.name) && seen.add(c.name)).slice(0, N);
  // Call sites: a line in another file that calls the function by name.
  for (const t of targets) {
    const call = new RegExp(`\\b${t.name.replace(/[$]/g, "\\$")}\\s*\\(`);
    for (const [path, text] of texts) {
      if (path === t.path) continue;
      const lines = text.split("\n");
      const i = lines.findIndex((l) => call.test(l) && !/^\s*(\*|\/\/|#)/.test(l));
      if (i >= 0) {
        t.callSite = lines.slice(Math.max(0, i - 2), i + 1).join("\n");
        break;
      }
    }
  }
  return { texts, targets };
}

async function evaluate(corpus) {
  const { texts, targets } = sampleTargets(corpus.dir);
  const work = mkdtempSync(join(tmpdir(), "dhi-bench-retrieval-"));
  const root = join(work, "ws");
  try {
    // The copy with every sampled doc comment blanked (kept as empty lines so line numbers do not move).
    const blank = new Map();
    for (const t of targets) blank.set(t.path, [...(blank.get(t.path) ?? []), t.doc]);
    for (const [path, text] of texts) {
      const lines = text.split("\n");
      for (const doc of blank.get(path) ?? []) for (let l = doc.start; l <= doc.end; l++) lines[l - 1] = "";
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), lines.join("\n"));
    }
    if (corpus.distractors) {
      buildCorpus(join(REPO, "node_modules"), join(root, "_distractors"), corpus.distractors, 0, (f) => !f.startsWith(corpus.distractorsExclude));
    }
    const withVectors = corpus.embeddings !== false;
    const index = await openIndex({
      root, settings: defaultSettings(), logger: new Logger("error"), embeddings: withVectors,
      env: { DHI_CACHE_DIR: join(work, "cache"), DHI_EMBED_MODEL: EMBED_MODEL },
    });
    if (withVectors && !index.hasEmbeddings) throw new Error(`no embeddings: ${index.embeddingProblem}`);
    const stats = await index.update();
    log(`${corpus.name}: ${stats.files} files, ${stats.chunks} chunks, ${targets.length} targets`);
    const hit = (t, id) => {
      const c = index.chunk(id);
      return c !== null && c.path === t.path && c.startLine <= t.line && t.line <= c.endLine;
    };
    const score = async (queryOf) => {
      const names = withVectors ? ["fts", "vectors", "graph", "hybrid", "hybridPlainRRF", "hybridNoVectors"] : ["fts", "graph", "hybrid", "hybridPlainRRF"];
      const sums = Object.fromEntries(names.map((k) => [k, [0, 0]]));
      let n = 0;
      for (const t of targets) {
        const q = queryOf(t);
        if (!q) continue;
        n++;
        const [fts, vectors, graph] = await index.rankings(q, undefined, 50);
        const lists = {
          fts, vectors, graph,
          hybrid: fuseRankings([fts, vectors, graph], 60, index.fusionWeights(q)).map((r) => r.id),
          hybridPlainRRF: fuseRankings([fts, vectors, graph]).map((r) => r.id),
          hybridNoVectors: fuseRankings([fts, graph]).map((r) => r.id),
        };
        for (const name of names) {
          const rank = lists[name].slice(0, 50).findIndex((id) => hit(t, id));
          if (rank >= 0 && rank < 5) sums[name][0]++;
          if (rank >= 0) sums[name][1] += 1 / (rank + 1);
        }
      }
      const out = { queries: n };
      for (const [name, [r5, mrr]] of Object.entries(sums)) out[name] = { recallAt5: round(r5 / Math.max(1, n), 3), mrr: round(mrr / Math.max(1, n), 3) };
      return out;
    };
    // Query understanding: FTS5 (and the calibrated fusion) with each way of turning the query into terms.
    const tuningScore = async (queryOf) => {
      const out = {};
      const queries = [];
      for (const t of targets) {
        const q = queryOf(t);
        if (q) queries.push({ t, q, lists: await index.rankings(q, undefined, 50) });
      }
      for (const [name, tuning] of Object.entries(TUNINGS)) {
        const sums = { fts: [0, 0], hybrid: [0, 0] };
        for (const { t, q, lists: [, vectors, graph] } of queries) {
          const fts = index.lexicalRanking(q, 50, tuning);
          const ranked = { fts, hybrid: fuseRankings([fts, vectors, graph], 60, index.fusionWeights(q)).map((r) => r.id) };
          for (const kind of ["fts", "hybrid"]) {
            const rank = ranked[kind].slice(0, 50).findIndex((id) => hit(t, id));
            if (rank >= 0 && rank < 5) sums[kind][0]++;
            if (rank >= 0) sums[kind][1] += 1 / (rank + 1);
          }
        }
        const n = Math.max(1, queries.length);
        out[name] = Object.fromEntries(Object.entries(sums).map(([k, [r5, mrr]]) => [k, { recallAt5: round(r5 / n, 3), mrr: round(mrr / n, 3) }]));
      }
      return out;
    };
    const calibration = index.fusionCalibration;
    const result = {
      corpus: corpus.name, files: stats.files, chunks: stats.chunks, calibration,
      docComment: await score((t) => t.doc.prose),
      callSite: await score((t) => t.callSite ?? null),
      queryTuning: { docComment: await tuningScore((t) => t.doc.prose), callSite: await tuningScore((t) => t.callSite ?? null) },
    };
    await index.dispose();
    return result;
  } finally {
    if (!args.keep) rmSync(work, { recursive: true, force: true });
  }
}

const results = [];
for (const corpus of CORPORA) results.push(await evaluate(corpus));
process.stdout.write(`${JSON.stringify({ model: basename(EMBED_MODEL), sampled: N, results }, null, 2)}\n`);
