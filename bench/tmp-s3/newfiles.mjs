import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { parseLatency } from "../../dist/completion/latency.js";
import { positionAt, startDhi } from "../lspClient.mjs";
const root = new URL("../..", import.meta.url);
const MODEL = fileURLToPath(new URL("../shared/models/dhi-fim-4m.gguf", root));
const BENCH_DATA = new URL("../shared/bench-data/human-eval-infilling/", root);
function humanEval(name, count) {
  const lines = gunzipSync(readFileSync(new URL(name, BENCH_DATA))).toString("utf8").trim().split("\n");
  const seen = new Set(); const out = [];
  for (const line of lines) { const p = JSON.parse(line); const task = p.task_id.split("/").slice(0, -1).join("/"); if (seen.has(task)) continue; seen.add(task); out.push(p); if (out.length >= count) break; }
  return out;
}
const extra = JSON.parse(process.argv[2] ?? "{}");
const rootDir = mkdtempSync(join(tmpdir(), "dhi-nf-"));
const settings = { model: { path: MODEL, threads: 1, contextSize: 2048 }, completion: { maxTokens: 64, responseBudgetMs: 0, ...extra }, index: { enabled: false } };
const dhi = await startDhi({ root: rootDir, settings });
const warm = pathToFileURL(join(rootDir, "warm.py")).href;
await dhi.open(warm, "python", "def f(x):\n    return ");
await dhi.inline(warm, { line: 1, character: 11 });
for (const [i, p] of humanEval(process.argv[3] ?? "HumanEval-SingleLineInfilling.jsonl.gz", 20).entries()) {
  const uri = pathToFileURL(join(rootDir, `p${i}.py`)).href;
  const text = p.prompt + p.suffix;
  await dhi.open(uri, "python", text);
  const from = dhi.logs.length;
  const t0 = performance.now();
  await dhi.inline(uri, positionAt(text, p.prompt.length));
  const ms = performance.now() - t0;
  let rec = null; for (let k = dhi.logs.length - 1; k >= from; k--) { rec = parseLatency(dhi.logs[k]); if (rec) break; }
  console.log(ms.toFixed(1), rec?.outcome, JSON.stringify(rec?.phases), JSON.stringify(rec?.tokens), JSON.stringify(rec?.waiting));
}
await dhi.stop();
