// Soak: --cycles didChange + inline completion + $/cancelRequest cycles against the real server (`dhi --stdio`)
// while it builds a first index of --files real sources. Every --every cycles it samples the server's
// `dhi/internal/health` (RSS, heap, event-loop delay, open fds, child processes, llama.cpp sequences).
// Prints JSON on stdout, writes bench/soak.json and bench/soak.svg, and exits 1 when a bound is broken:
//   - RSS stays under --max-rss-mb, and grows by at most --max-growth-mb over the second half of the cycles;
//   - after the index has finished: no child process, no more open fds than --fd-slack over the first sample,
//     the llama.cpp sequences in use unchanged, and no dhi sandbox container left (when Docker is reachable).
//   node bench/soak.mjs [--cycles 2000] [--files 3000] [--every 50] [--model path.gguf]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { CancellationTokenSource, createProtocolConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver-protocol/node";
import { buildCorpus, round } from "./corpus.mjs";

const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
const { values: args } = parseArgs({
  options: {
    cycles: { type: "string", default: "2000" },
    files: { type: "string", default: "3000" },
    every: { type: "string", default: "50" },
    model: { type: "string", default: resolve(REPO, "../shared/models/dhi-fim-4m.gguf") },
    "max-rss-mb": { type: "string", default: "1500" },
    "max-growth-mb": { type: "string", default: "64" },
    "fd-slack": { type: "string", default: "8" },
    out: { type: "string", default: join(REPO, "bench/soak") },
  },
});
const CYCLES = Number(args.cycles);
const EVERY = Number(args.every);
const log = (m) => process.stderr.write(`[bench:soak] ${m}\n`);
const mb = (bytes) => round(bytes / 2 ** 20, 1);
const work = mkdtempSync(join(tmpdir(), "dhi-bench-soak-"));
const root = join(work, "ws");

/** dhi sandbox containers on the Docker engine, or null when none is reachable. */
async function sandboxContainers() {
  if (!process.env.DOCKER_HOST) return null;
  try {
    const { default: Docker } = await import("dockerode");
    const list = await new Docker().listContainers({ all: true });
    return list.filter((c) => (c.Image ?? "").includes("dhi") || Object.keys(c.Labels ?? {}).some((l) => l.startsWith("dhi"))).length;
  } catch {
    return null;
  }
}

function svg(samples) {
  const W = 720, H = 360, P = 50;
  const maxCycle = Math.max(1, ...samples.map((s) => s.cycle));
  const maxRss = Math.max(1, ...samples.map((s) => s.rssMb)) * 1.1;
  const maxDelay = Math.max(1, ...samples.map((s) => s.eventLoopP99Ms)) * 1.1;
  const x = (c) => P + ((W - 2 * P) * c) / maxCycle;
  const line = (key, max) => samples.map((s, i) => `${i ? "L" : "M"}${x(s.cycle).toFixed(1)},${(H - P - ((H - 2 * P) * s[key]) / max).toFixed(1)}`).join(" ");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">dhi soak: ${CYCLES} didChange + completion + cancel cycles while indexing</text>
<line x1="${P}" y1="${H - P}" x2="${W - P}" y2="${H - P}" stroke="black"/><line x1="${P}" y1="${P}" x2="${P}" y2="${H - P}" stroke="black"/><line x1="${W - P}" y1="${P}" x2="${W - P}" y2="${H - P}" stroke="black"/>
<text x="${W / 2}" y="${H - 15}" text-anchor="middle">cycle (0 – ${maxCycle})</text>
<text x="15" y="${H / 2}" transform="rotate(-90 15 ${H / 2})" text-anchor="middle" fill="#1f77b4">RSS MB (0 – ${Math.round(maxRss)})</text>
<text x="${W - 12}" y="${H / 2}" transform="rotate(90 ${W - 12} ${H / 2})" text-anchor="middle" fill="#d62728">event-loop delay p99 ms (0 – ${Math.round(maxDelay)})</text>
<path d="${line("rssMb", maxRss)}" fill="none" stroke="#1f77b4" stroke-width="2"/>
<path d="${line("eventLoopP99Ms", maxDelay)}" fill="none" stroke="#d62728" stroke-width="1.5"/>
</svg>
`;
}

const child = spawn(process.execPath, [join(REPO, "dist/cli.js"), "--stdio"], {
  env: { ...process.env, DHI_CACHE_DIR: join(work, "cache"), DHI_MODEL: resolve(args.model), DHI_EMBED_MODEL: "none", DHI_LOG_LEVEL: "warn" },
  stdio: "pipe",
});
let stderrTail = "";
child.stderr.on("data", (d) => (stderrTail = (stderrTail + d.toString()).slice(-4000)));
const exited = new Promise((r) => child.on("exit", (code, signal) => r(code ?? signal)));
try {
  log(`copying ${args.files} source files from node_modules…`);
  buildCorpus(join(REPO, "node_modules"), root, Number(args.files));
  const containersBefore = await sandboxContainers();
  const c = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  let indexToken = null;
  let indexDone = false;
  c.onNotification("$/progress", (p) => {
    if (p.value?.kind === "begin" && /index/i.test(p.value.title ?? "")) indexToken = p.token;
    else if (p.value?.kind === "end" && p.token === indexToken) indexDone = true;
  });
  c.onRequest("window/workDoneProgress/create", () => null);
  c.onRequest("workspace/configuration", (p) => p.items.map(() => ({ model: { threads: 1, contextSize: 2048 }, completion: { maxTokens: 8 } })));
  c.onRequest("client/registerCapability", () => null);
  c.listen();
  const rootUri = pathToFileURL(root).href;
  await c.sendRequest("initialize", {
    processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: "soak" }],
    capabilities: { window: { workDoneProgress: true }, textDocument: { inlineCompletion: {} } },
  });
  await c.sendNotification("initialized", {});
  const uri = pathToFileURL(join(root, "soak_edit.py")).href;
  let text = "import os\n\n\ndef handler(request):\n    ";
  await c.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text } });

  const samples = [];
  const started = performance.now();
  const sample = async (cycle) => {
    const h = await c.sendRequest("dhi/internal/health");
    samples.push({
      cycle, seconds: round((performance.now() - started) / 1000, 1), indexing: !indexDone, rssMb: mb(h.rssBytes), heapMb: mb(h.heapUsedBytes),
      eventLoopP50Ms: h.eventLoopDelayMs.p50, eventLoopP99Ms: h.eventLoopDelayMs.p99, eventLoopMaxMs: h.eventLoopDelayMs.max,
      openFds: h.openFds, childProcesses: h.childProcesses, llamaSequences: h.llamaSequences,
    });
  };
  // One answered completion first, so the model is loaded before the first sample.
  await c.sendRequest("textDocument/inlineCompletion", { textDocument: { uri }, position: { line: 4, character: 4 }, context: { triggerKind: 1 } });
  await sample(0);
  let answered = 0, cancelled = 0, failed = 0;
  const words = ["value", " = ", "request", ".", "get", "(", "'key'", ")", "\n    ", "return ", "os.path.join", "(a, b)"];
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    const insert = words[cycle % words.length];
    const lines = text.split("\n");
    const end = { line: lines.length - 1, character: (lines.at(-1) ?? "").length };
    text += insert;
    const after = text.split("\n");
    await c.sendNotification("textDocument/didChange", { textDocument: { uri, version: cycle + 1 }, contentChanges: [{ range: { start: end, end }, text: insert }] });
    const source = new CancellationTokenSource();
    const request = c.sendRequest("textDocument/inlineCompletion", { textDocument: { uri }, position: { line: after.length - 1, character: (after.at(-1) ?? "").length }, context: { triggerKind: 2 } }, source.token);
    // Every other cycle is cancelled (after a varying delay), as typing on cancels the previous request.
    if (cycle % 2 === 0) setTimeout(() => source.cancel(), cycle % 7);
    try {
      await request;
      answered++;
    } catch (error) {
      if (error?.code === -32800) cancelled++;
      else failed++;
    }
    source.dispose();
    if (cycle % EVERY === 0) await sample(cycle);
  }
  log(`cycles done; waiting for the index to finish…`);
  const waitStart = performance.now();
  while (!indexDone && performance.now() - waitStart < 600_000) await new Promise((r) => setTimeout(r, 500));
  // Background processes exit when their work ends: give them a moment.
  let final;
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 250));
    await sample(CYCLES);
    final = samples.pop();
    if (final.childProcesses === 0) break;
  }
  samples.push({ ...final, cycle: CYCLES, final: true });
  const containersAfter = await sandboxContainers();
  await c.sendRequest("shutdown");
  await c.sendNotification("exit");
  const exitCode = await exited;

  const first = samples[0];
  const half = samples.filter((s) => s.cycle >= CYCLES / 2 && !s.final);
  const growthMb = half.length > 1 ? round(Math.max(...half.map((s) => s.rssMb)) - half[0].rssMb, 1) : 0;
  const maxRssMb = Math.max(...samples.map((s) => s.rssMb));
  const checks = {
    rssUnderMax: maxRssMb <= Number(args["max-rss-mb"]),
    rssGrowthSecondHalfBounded: growthMb <= Number(args["max-growth-mb"]),
    noChildProcessLeft: final.childProcesses === 0 || final.childProcesses === null,
    noFdLeak: final.openFds === null || final.openFds <= first.openFds + Number(args["fd-slack"]),
    llamaSequencesUnchanged: final.llamaSequences === first.llamaSequences,
    noContainerLeft: containersBefore === null || containersAfter === containersBefore,
    everyRequestAnswered: answered + cancelled + failed === CYCLES && failed === 0,
    indexFinished: indexDone,
    exitedCleanly: exitCode === 0,
  };
  const result = {
    bench: "soak", cycles: CYCLES, files: Number(args.files), answered, cancelled, failed,
    seconds: round((performance.now() - started) / 1000, 1),
    rss: { firstMb: first.rssMb, maxMb: maxRssMb, finalMb: final.rssMb, secondHalfGrowthMb: growthMb },
    eventLoopDelayMs: { p99Max: Math.max(...samples.map((s) => s.eventLoopP99Ms)), maxMax: Math.max(...samples.map((s) => s.eventLoopMaxMs)) },
    leaks: { fds: [first.openFds, final.openFds], childProcesses: final.childProcesses, llamaSequences: [first.llamaSequences, final.llamaSequences], containers: [containersBefore, containersAfter] },
    checks, ok: Object.values(checks).every(Boolean),
    note: "measured on a shared 2-core machine: latency and event-loop figures are noisy",
    samples,
  };
  writeFileSync(`${args.out}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${args.out}.svg`, svg(samples));
  process.stdout.write(`${JSON.stringify({ ...result, samples: undefined })}\n`);
  if (!result.ok) {
    log(`FAILED: ${Object.entries(checks).filter(([, v]) => !v).map(([k]) => k).join(", ")}`);
    process.exitCode = 1;
  }
} catch (error) {
  log(`error: ${error?.stack ?? error}; server stderr: ${stderrTail}`);
  process.exitCode = 1;
} finally {
  if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
}
