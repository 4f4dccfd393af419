// Completions in a minified bundle: one line of about 0.9 MB (JSON on stdout). Run `npm run build` first.
//   node bench/minified-line.mjs [--kb 900]
// The real server (`dhi --stdio`) opens the bundle (under index.maxFileBytes, so it is an ordinary open document)
// and answers four inline completions near its end, each a little further back, as a cursor moving along it would
// ask. Reported: each request's time as the client saw it, and the phases of dhi's own latency records.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parseLatency } from "../dist/completion/latency.js";
import { positionAt, startDhi } from "./lspClient.mjs";

const { values: args } = parseArgs({ options: { kb: { type: "string", default: "900" } } });
const MODEL = fileURLToPath(new URL("../../shared/models/dhi-fim-4m.gguf", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "dhi-bench-minified-"));
const text = `var a=1;${"function f(x){return x+1};".repeat(Math.floor((Number(args.kb) * 1024) / 25))}var z=`;
writeFileSync(join(root, "bundle.js"), text);
const dhi = await startDhi({ root, settings: { model: { path: MODEL, threads: 1 }, completion: { maxTokens: 16, responseBudgetMs: 0 } } });
try {
  // Load the model on a small document first, so the requests below time the bundle only.
  const small = pathToFileURL(join(root, "small.js")).href;
  await dhi.open(small, "javascript", "const one = ");
  await dhi.inline(small, { line: 0, character: 12 });
  const uri = pathToFileURL(join(root, "bundle.js")).href;
  await dhi.open(uri, "javascript", text);
  const from = dhi.logs.length;
  const requests = [];
  for (let i = 0; i < 4; i++) requests.push(await dhi.inline(uri, positionAt(text, text.length - i * 10)));
  const records = dhi.logs.slice(from).map(parseLatency).filter((r) => r !== null);
  const round = (x) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    bench: "minified-line",
    lineKB: Math.round(text.length / 1024),
    requestMs: requests.map((r) => round(r.ms)),
    phases: records.map((r) => Object.fromEntries(Object.entries(r.phases).map(([k, v]) => [k, round(v)]))),
    promptTokens: records.map((r) => r.tokens.prompt),
    suggestions: requests.map((r) => r.text.slice(0, 30)),
  }, null, 1));
} finally {
  await dhi.stop();
  rmSync(root, { recursive: true, force: true });
}
