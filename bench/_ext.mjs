// Completion latency while the server builds a first index (JSON on stdout). Run `npx tsc -p .` first.
//   node bench/completion-during-index.mjs [--files 22000] [--interval 250] [--after 40] [--model path.gguf] [--cli dist/cli.js]
// The server (`dhi --stdio`, a real child process) opens a workspace of real sources copied from node_modules with
// an empty cache, so it starts indexing at once. Meanwhile an editor types in an open Python file: a didChange and
// an inline completion request every --interval ms, each at a new text (no cache can answer it). The same
// requests continue for --after more once indexing has ended. Reported: editor-visible latency (request to
// answer) during and after indexing. --cli runs another build of the server (e.g. an older one, to compare).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver-protocol/node";
import { buildCorpus, percentile, round } from "./corpus.mjs";

const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const { values: args } = parseArgs({
  options: {
    files: { type: "string", default: "22000" },
    interval: { type: "string", default: "250" },
    after: { type: "string", default: "40" },
    model: { type: "string", default: resolve(REPO, "../shared/models/dhi-fim-4m.gguf") },
    cli: { type: "string", default: join(REPO, "dist/cli.js") },
  },
});
const log = (m) => process.stderr.write(`[bench:completion-during-index] ${m}\n`);
let indexSeconds = null;
const work = mkdtempSync(join(tmpdir(), "dhi-bench-during-index-"));
const root = join(work, "ws");

try {
  log(`copying ${args.files} source files from node_modules…`);
  const files = buildCorpus(join(REPO, "node_modules"), root, Number(args.files));
  (await import("node:fs")).writeFileSync(join(root, ".dhi.json"), JSON.stringify({ index: { enabled: false } }));
  const ext = spawn("nice", ["-n", "19", process.execPath, join(REPO, "dist/cli.js"), "index", root], { env: { ...process.env, DHI_CACHE_DIR: join(work, "cache2"), DHI_EMBED_MODEL: "none" }, stdio: "ignore" });
  const extStart = performance.now(); ext.on("exit", () => { indexSeconds = (performance.now() - extStart) / 1000; });
  const child = spawn(process.execPath, [resolve(args.cli), "--stdio"], {
    env: { ...process.env, DHI_CACHE_DIR: join(work, "cache"), DHI_MODEL: resolve(args.model), DHI_EMBED_MODEL: "none" },
    stdio: "pipe",
  });
  child.stderr.resume();
  const c = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  let indexToken = null;
  let indexStarted = 0;

  c.onNotification("$/progress", (p) => {
    if (p.value?.kind === "begin" && /index/i.test(p.value.title ?? "")) {
      indexToken = p.token;
      indexStarted = performance.now();
    } else if (p.value?.kind === "end" && p.token === indexToken) {
      indexSeconds = (performance.now() - indexStarted) / 1000;
    }
  });
  c.onRequest("window/workDoneProgress/create", () => null);
  c.onRequest("workspace/configuration", (p) => p.items.map(() => null));
  c.onRequest("client/registerCapability", () => null);
  c.listen();
  const rootUri = pathToFileURL(root).href;
  await c.sendRequest("initialize", {
    processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: "bench" }],
    capabilities: { window: { workDoneProgress: true }, textDocument: { inlineCompletion: {} } },
  });
  await c.sendNotification("initialized", {});

  const uri = pathToFileURL(join(root, "scratch.py")).href;
  const text = "import os\n\ndef read_config(path):\n    with open(path) as f:\n        return f.read()\n\n" +
    "def main():\n    cfg = read_config(os.environ['CFG'])\n    for line in cfg.splitlines():\n        ";
  await c.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text } });
  const during = [];
  const after = [];
  for (let n = 1; ; n++) {
    const indexing = indexSeconds === null;
    if (!indexing && after.length >= Number(args.after)) break;
    await c.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: n + 1 }, contentChanges: [{ text: `${text}# step ${n}\n        ` }],
    });
    const t = performance.now();
    await c.sendRequest("textDocument/inlineCompletion", { textDocument: { uri }, position: { line: 10, character: 8 }, context: { triggerKind: 2 } });
    (indexing ? during : after).push(performance.now() - t);
    await new Promise((r) => setTimeout(r, Number(args.interval)));
  }
  await c.sendRequest("shutdown");
  await c.sendNotification("exit");
  const summary = (list) => {
    const sorted = [...list].sort((a, b) => a - b);
    return { requests: sorted.length, msP50: round(percentile(sorted, 50), 0), msP95: round(percentile(sorted, 95), 0), msMax: round(sorted.at(-1) ?? null, 0) };
  };
  process.stdout.write(`${JSON.stringify({
    machine: { cores: availableParallelism(), node: process.version }, server: args.cli, files, intervalMs: Number(args.interval),
    indexSeconds: round(indexSeconds), duringIndexing: summary(during), afterIndexing: summary(after),
  }, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
