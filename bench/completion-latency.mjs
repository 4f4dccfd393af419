#!/usr/bin/env node
// A scripted typing session over this repository's own sources, through the CompletionService the editor uses.
//
//   npx tsc -p . && node bench/completion-latency.mjs [--model P] [--files N] [--lines N] [--budget MS] [--json]
//
// For a set of real lines, the line is emptied (down to its indentation) and retyped one character per
// keystroke, with a completion request per keystroke (debounce 0), like an editor asking on every change.
// Measured:
// - server overhead per request, excluding model time: request wall time minus the model's generation and load
//   time, on requests that ran a full generation (budget off, so the model part is known exactly);
// - type-through: after a completion arrives, its own characters are typed; latency and model tokens per request;
// - end-to-end P50/P95 of a full generation with the shared model (budget off);
// - with the default response budget: the editor-visible latency and how often the budget was hit.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { createInferenceEngine } from "../dist/inference/createEngine.js";
import { defaultSettings } from "../dist/config/schema.js";
import { Logger } from "../dist/util/logger.js";
import { CompletionService } from "../dist/completion/CompletionService.js";
import { AbortError } from "../dist/util/abort.js";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    model: { type: "string", default: join(root, "../shared/models/dhi-fim-4m.gguf") },
    files: { type: "string", default: "8" },
    lines: { type: "string", default: "3" },
    budget: { type: "string", default: String(defaultSettings().completion.responseBudgetMs) },
    threads: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
    out: { type: "string" },
  },
});

function listTs(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** Real lines to retype: code lines of moderate length, spread over each file. */
function pickSessions() {
  const files = listTs(join(root, "server")).filter((f) => !f.includes("/lsp/")).sort();
  const step = Math.max(1, Math.floor(files.length / Number(values.files)));
  const sessions = [];
  for (const file of files.filter((_, i) => i % step === 0).slice(0, Number(values.files))) {
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n");
    const candidates = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^\s+\S/.test(l) && l.trim().length >= 12 && l.trim().length <= 60 && !/^\s*(\/\/|\*|\/\*)/.test(l));
    const every = Math.max(1, Math.floor(candidates.length / Number(values.lines)));
    for (const { l, i } of candidates.filter((_, k) => k % every === 0).slice(0, Number(values.lines))) {
      const start = lines.slice(0, i).join("\n").length + (i > 0 ? 1 : 0);
      const indent = /^\s*/.exec(l)[0];
      sessions.push({ path: relative(root, file), text, lineStart: start, indent, typed: l.slice(indent.length), lineLength: l.length });
    }
  }
  return sessions;
}

const percentile = (xs, p) => {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(3));
};
const summary = (xs) => ({ n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), max: percentile(xs, 100) });

const settings = defaultSettings();
settings.model.path = values.model;
settings.model.threads = Number(values.threads);
const logger = new Logger("error");
const engine = createInferenceEngine({ settings, logger });
await engine.load();
const sessions = pickSessions();

async function typingSession(budgetMs) {
  const completion = { ...settings.completion, responseBudgetMs: budgetMs, debounceMs: 0 };
  const service = new CompletionService({ engine, getSettings: () => completion, logger });
  const wall = [], overhead = [], endToEnd = [], typeThrough = [], typeThroughTokens = [];
  let requests = 0, shown = 0;
  for (const s of sessions) {
    const uri = `file:///${s.path}`;
    const before = s.text.slice(0, s.lineStart) + s.indent;
    const after = s.text.slice(s.lineStart + s.lineLength);
    service.noteDocument(uri, s.path, s.text);
    for (let k = 0; k <= s.typed.length; k += 3) {
      // Every third character: a fast typist's keystrokes reach the server in bursts.
      const text = before + s.typed.slice(0, k) + after;
      const offset = before.length + k;
      const t0 = performance.now();
      let result = null;
      try {
        result = await service.complete({ uri, path: s.path, text, offset });
      } catch (error) {
        if (!(error instanceof AbortError) && error?.name !== "AbortError") throw error;
      }
      const ms = performance.now() - t0;
      requests++;
      wall.push(ms);
      if (!result) continue;
      shown++;
      const t = result.debug.timings;
      if (!result.cached && !result.isIncomplete && t.modelMs !== undefined) {
        endToEnd.push(ms);
        overhead.push(ms - t.modelMs - (t.loadMs ?? 0));
      }
      // Type the completion's own first characters: each keystroke must be served from cache.
      if (!result.isIncomplete && result.text.length > 1) {
        let typedText = text, typedOffset = offset;
        for (const ch of result.text.slice(0, Math.min(8, result.text.length - 1))) {
          typedText = typedText.slice(0, typedOffset) + ch + typedText.slice(typedOffset);
          typedOffset++;
          const calls = engine.stats.infillCalls;
          const t1 = performance.now();
          const next = await service.complete({ uri, path: s.path, text: typedText, offset: typedOffset });
          typeThrough.push(performance.now() - t1);
          typeThroughTokens.push((next?.debug.tokens.generated ?? 0) + (engine.stats.infillCalls - calls));
        }
      }
    }
  }
  const metrics = service.metrics();
  await service.dispose();
  return { wall, overhead, endToEnd, typeThrough, typeThroughTokens, requests, shown, metrics };
}

const full = await typingSession(0);
const budgeted = await typingSession(Number(values.budget));
await engine.dispose();

const report = {
  model: values.model.split("/").pop(),
  sessions: sessions.length,
  serverOverheadMs: summary(full.overhead),
  typeThrough: { ...summary(full.typeThrough), modelTokensMax: Math.max(0, ...full.typeThroughTokens) },
  endToEndMs: summary(full.endToEnd),
  withBudget: {
    budgetMs: Number(values.budget),
    requests: budgeted.requests,
    latencyMs: summary(budgeted.wall),
    budgetHitRate: Number((budgeted.metrics.budgetHits / budgeted.requests).toFixed(3)),
    cacheHitRate: Number(((budgeted.metrics.typeThroughHits + budgeted.metrics.lruHits) / budgeted.metrics.requests).toFixed(3)),
    joinedBackgroundGenerations: budgeted.metrics.joinedJobs,
  },
};
if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${JSON.stringify(report, null, 2)}\n`);
