// Index benchmarks (JSON on stdout). Run `npx tsc -p .` first: this imports the built server from dist/.
//   node bench/index.mjs [--files 10200] [--query-chunks 100000] [--embed-seconds 900] [--queries 200] [--keep]
// Phases, all on real sources copied from node_modules (cycled into copies until --files is reached):
//   1. full index without embeddings: files/s (and MB/s of source), and RSS of the process after indexing;
//   2. re-index latency after editing a 1,000-line file (updateFile, the LSP didChange path, and update() after a disk write);
//   3. the workspace grows (more copies, indexed incrementally) until it holds --query-chunks chunks, and every
//      chunk is embedded with the shared tiny model (stopping after --embed-seconds): chunks/s;
//   4. hybrid query latency (FTS5 + vectors + symbol graph) P50/P95 on the whole index, also right after an edit
//      (a small open document re-indexed before each query, as while typing).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildCorpus, corpusBytes, percentile, round } from "./corpus.mjs";

const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const { values: args } = parseArgs({
  options: {
    files: { type: "string", default: "10200" },
    "query-chunks": { type: "string", default: "100000" },
    "embed-seconds": { type: "string", default: "900" },
    queries: { type: "string", default: "200" },
    keep: { type: "boolean", default: false },
  },
});
const { openIndex } = await import(join(REPO, "dist/index/openIndex.js"));
const { defaultSettings } = await import(join(REPO, "dist/config/schema.js"));
const { Logger } = await import(join(REPO, "dist/util/logger.js"));

const QUERY_KINDS = ["symbol", "words", "codeLine", "docComment"];
const EMBED_MODEL = resolve(REPO, "../shared/models/dhi-embed-tiny");
const work = mkdtempSync(join(tmpdir(), "dhi-bench-index-"));
const root = join(work, "ws");
const env = { DHI_CACHE_DIR: join(work, "cache") };
const logger = new Logger("error");
const log = (m) => process.stderr.write(`[bench:index] ${m}\n`);
const result = { machine: { cores: availableParallelism(), node: process.version }, corpus: {} };

try {
  log(`copying ${args.files} source files from node_modules…`);
  result.corpus.files = buildCorpus(join(REPO, "node_modules"), root, Number(args.files));
  result.corpus.megabytes = round(corpusBytes(root) / 1e6, 1);

  // 1. Full index, no embeddings.
  let index = await openIndex({ root, settings: defaultSettings(), logger, env, embeddings: false });
  const cpu0 = process.cpuUsage();
  const stats = await index.update();
  const cpu = process.cpuUsage(cpu0);
  result.fullIndex = {
    files: stats.files, chunks: stats.chunks, symbols: stats.symbols, references: stats.references,
    // Files the index skipped (minified bundles, inlined wasm): counted in the corpus, not in `files`.
    skippedFiles: result.corpus.files - stats.files,
    seconds: round(stats.seconds), filesPerSecond: round(stats.files / stats.seconds, 0),
    sourceMegabytesPerSecond: round(result.corpus.megabytes / stats.seconds, 1),
    // This process only: the bulk work runs in the update process (and its extraction processes).
    serverCpuSeconds: round((cpu.user + cpu.system) / 1e6),
    rssMbAfterIndexing: round(process.memoryUsage().rss / 2 ** 20, 0),
  };
  // The allocators give freed memory back lazily: also report RSS once the process has idled for 3 s, as the
  // language server does after its initial index, and after a full GC on top of that.
  await new Promise((r) => setTimeout(r, 3000));
  result.fullIndex.rssMbAfter3sIdle = round(process.memoryUsage().rss / 2 ** 20, 0);
  if (globalThis.gc) {
    globalThis.gc();
    result.fullIndex.rssMbAfterGc = round(process.memoryUsage().rss / 2 ** 20, 0);
  }
  log(`full index: ${JSON.stringify(result.fullIndex)}`);

  // 2. Re-index latency after editing a 1,000-line file.
  const lines = [];
  for (let f = 0; lines.length < 1000; f++) {
    lines.push(`/** Computes step ${f} of the pipeline. */`, `export function step${f}(input: number[], scale: number): number {`,
      `  let total = 0;`, `  for (const value of input) total += value * scale + ${f};`, `  const mean = total / Math.max(1, input.length);`,
      `  if (mean > ${f * 10}) return mean - ${f};`, `  return helper${f % 7}(mean, scale);`, `}`, ``);
  }
  const bigPath = "bench-big/edited.ts";
  let text = lines.slice(0, 1000).join("\n");
  await index.updateFile(bigPath, text);
  const edits = [];
  for (let i = 0; i < 30; i++) {
    const at = 100 + i * 25;
    const parts = text.split("\n");
    parts[at] = `${parts[at]} // edit ${i}`;
    text = parts.join("\n");
    const t = performance.now();
    await index.updateFile(bigPath, text);
    edits.push(performance.now() - t);
  }
  edits.sort((a, b) => a - b);
  await index.updateFile(bigPath, null);
  // The watcher path: the file changes on disk and refreshFromDisk (workspace/didChangeWatchedFiles) runs;
  // and a full update(), which stats every file of the workspace.
  const diskRel = "copy0/bench-edited.ts";
  writeFileSync(join(root, diskRel), text);
  await index.refreshFromDisk([diskRel]);
  const disk = [];
  const full = [];
  for (let i = 0; i < 10; i++) {
    writeFileSync(join(root, diskRel), `${text}\n// disk edit ${i}\n`);
    const t = performance.now();
    await index.refreshFromDisk([diskRel]);
    disk.push(performance.now() - t);
  }
  for (let i = 0; i < 3; i++) {
    writeFileSync(join(root, diskRel), `${text}\n// full edit ${i}\n`);
    const t = performance.now();
    await index.update();
    full.push(performance.now() - t);
  }
  disk.sort((a, b) => a - b);
  full.sort((a, b) => a - b);
  result.reindex1000Lines = {
    updateFileMsP50: round(percentile(edits, 50)), updateFileMsP95: round(percentile(edits, 95)),
    refreshFromDiskMsP50: round(percentile(disk, 50)), fullUpdateScanMsP50: round(percentile(full, 50)), workspaceFiles: stats.files,
  };
  log(`re-index: ${JSON.stringify(result.reindex1000Lines)}`);

  // 3. Grow the workspace to the query corpus size (incremental update, no vectors yet), then embed every chunk
  // within a time budget (whatever is left stays without vectors and is reported).
  const want = Number(args["query-chunks"]);
  let files = result.corpus.files;
  for (let attempt = 0; index.stats().chunks < want && attempt < 20; attempt++) {
    const perFile = index.stats().chunks / Math.max(1, index.stats().files);
    files = buildCorpus(join(REPO, "node_modules"), root, files + Math.ceil((want - index.stats().chunks) / perFile * 1.05) + 1, files);
    await index.update();
  }
  log(`query corpus: ${JSON.stringify(index.stats())}`);
  await index.dispose();
  index = await openIndex({ root, settings: defaultSettings(), logger, env: { ...env, DHI_EMBED_MODEL: EMBED_MODEL } });
  if (!index.hasEmbeddings) throw new Error(`embedding model did not load: ${index.embeddingProblem}`);
  const budget = Number(args["embed-seconds"]);
  const t0 = performance.now();
  await index.update({ signal: AbortSignal.timeout(budget * 1000) }).catch((e) => {
    if (e?.name !== "AbortError" && e?.name !== "TimeoutError") throw e;
  });
  const embedSeconds = (performance.now() - t0) / 1000;
  result.embedding = {
    model: "dhi-embed-tiny (2 layers, 128 dims)", chunksEmbedded: index.embeddedSinceOpen,
    seconds: round(embedSeconds), chunksPerSecond: round(index.embeddedSinceOpen / embedSeconds, 0),
  };
  log(`embedding: ${JSON.stringify(result.embedding)}`);

  // 4. Hybrid query latency over every chunk (vectors for the embedded ones).
  const corpusStats = index.stats();
  result.embedding.chunksWithoutVectors = corpusStats.chunks - corpusStats.embeddings;
  const queries = sampleQueries(index, Number(args.queries));
  for (const { text: q } of queries.slice(0, 20)) await index.search(q, { k: 10 }); // warm caches
  const times = [];
  const byKind = Object.fromEntries(QUERY_KINDS.map((k) => [k, []]));
  const parts = { fts: [], vectors: [], graph: [] };
  for (const { kind, text: q } of queries) {
    let t = performance.now();
    await index.search(q, { k: 10 });
    const ms = performance.now() - t;
    times.push(ms);
    byKind[kind].push(ms);
    t = performance.now(); index.lexicalRanking(q); parts.fts.push(performance.now() - t);
    t = performance.now(); await index.vectorRanking(q); parts.vectors.push(performance.now() - t);
    t = performance.now(); index.graphRanking(q); parts.graph.push(performance.now() - t);
  }
  // In an editor, searches and completion retrieval follow the re-index of the document being typed in.
  const afterEdit = [];
  for (const [i, { text: q }] of queries.entries()) {
    await index.updateFile("bench-typing.ts", `export function typed${i}(x: number): number {\n  return x * ${i};\n}\n`);
    const t = performance.now();
    await index.search(q, { k: 10 });
    afterEdit.push(performance.now() - t);
  }
  await index.updateFile("bench-typing.ts", null);
  for (const list of [times, afterEdit, ...Object.values(byKind), ...Object.values(parts)]) list.sort((a, b) => a - b);
  result.hybridQuery = {
    files: corpusStats.files, chunks: corpusStats.chunks, vectors: corpusStats.embeddings, queries: queries.length, k: 10,
    msP50: round(percentile(times, 50)), msP95: round(percentile(times, 95)), msMax: round(times[times.length - 1]),
    afterAnEditMsP50: round(percentile(afterEdit, 50)), afterAnEditMsP95: round(percentile(afterEdit, 95)),
    byKindMsP95: Object.fromEntries(Object.entries(byKind).map(([k, l]) => [k, { queries: l.length, msP95: round(percentile(l, 95)) }])),
    partsMsP95: { fts: round(percentile(parts.fts, 95)), vectors: round(percentile(parts.vectors, 95)), graph: round(percentile(parts.graph, 95)) },
  };
  log(`query: ${JSON.stringify(result.hybridQuery)}`);
  await index.dispose();
} finally {
  if (!args.keep) rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);

/**
 * Queries like a user's, drawn evenly from the index: symbol names, their words, lines of code, and doc-comment
 * prose (what `dhi search` gets typed; the costliest for lexical search).
 */
function sampleQueries(index, n) {
  const out = [];
  const total = index.stats().chunks;
  for (let i = 0; out.length < n && i < n * 40; i++) {
    const chunk = index.chunk(1 + Math.floor((i * 7919) % Math.max(1, total)));
    if (!chunk) continue;
    const kind = QUERY_KINDS[i % 4];
    // Kinds take turns; a chunk without what the kind needs gives nothing.
    if (out.filter((q) => q.kind === kind).length >= n / 4) continue;
    const name = chunk.symbol?.split(".").pop();
    let text = null;
    if (kind === "symbol") text = name;
    else if (kind === "words") text = name?.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();
    else if (kind === "codeLine") text = chunk.text.split("\n").map((l) => l.trim()).find((l) => l.length > 20 && l.length < 120);
    else {
      const doc = chunk.text.match(/\/\*\*([\s\S]*?)\*\//)?.[1]
        .split("\n").map((l) => l.replace(/^\s*\*\s?/, "")).filter((l) => !l.trim().startsWith("@")).join(" ").replace(/\s+/g, " ").trim();
      if (doc && doc.split(" ").length >= 4) text = doc.slice(0, 300);
    }
    if (text) out.push({ kind, text });
  }
  return out;
}
