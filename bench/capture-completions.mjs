#!/usr/bin/env node
// Records REAL raw outputs of the shared FIM model at real cursor positions, for the completion filters' unit
// tests (test/completion/fixtures/model-outputs.json). Cursor positions come from HumanEval infilling tasks and
// from this repository's own sources (a line's tail removed, a call's arguments removed, a body line emptied);
// `expected` is the code that was removed. Nothing here is written by hand.
//
//   npx tsc -p . && node bench/capture-completions.mjs [--model P] [--out FILE]
//
// `raw` is what the engine returns (greedy, no early stop, 64 tokens) for the prompt the completion service
// builds; `rawSpecial` continues past end-of-text with special tokens printed, as an OpenAI-compatible server
// that does not stop on them would (for the model-cleanup filter); it uses the plain PSM layout.
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { getLlama } from "node-llama-cpp";
import { createInferenceEngine } from "../dist/inference/createEngine.js";
import { defaultSettings } from "../dist/config/schema.js";
import { Logger } from "../dist/util/logger.js";
import { TokenCounter } from "../dist/completion/context/TokenCounter.js";
import { RecentFiles } from "../dist/completion/context/RecentFiles.js";
import { assembleContext } from "../dist/completion/context/assembleContext.js";
import { trailingWhitespace, shiftToCursor } from "../dist/completion/context/trailingWhitespace.js";
import { Cursor } from "../dist/text/Cursor.js";

const root = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    model: { type: "string", default: join(root, "../shared/models/dhi-fim-4m.gguf") },
    out: { type: "string", default: join(root, "test/completion/fixtures/model-outputs.json") },
  },
});
const MAX_TOKENS = 64;
const WINDOW_BEFORE = 60;
const WINDOW_AFTER = 30;

/** Keeps the fixture small: whole lines around the cursor. */
function windowAround(text, offset) {
  const lines = text.split("\n");
  const cursorLine = text.slice(0, offset).split("\n").length - 1;
  const first = Math.max(0, cursorLine - WINDOW_BEFORE);
  const last = Math.min(lines.length, cursorLine + WINDOW_AFTER + 1);
  const start = lines.slice(0, first).join("\n").length + (first > 0 ? 1 : 0);
  const windowText = lines.slice(first, last).join("\n");
  return { text: windowText, offset: offset - start };
}

function humanEvalCases(file, kind, count) {
  const rows = gunzipSync(readFileSync(join(root, "../shared/bench-data/human-eval-infilling", file))).toString("utf8").trim().split("\n").map((l) => JSON.parse(l));
  // One task per problem, for variety: the middle one of each problem's holes.
  const byProblem = new Map();
  for (const row of rows) {
    const problem = row.task_id.split("/")[2];
    byProblem.set(problem, [...(byProblem.get(problem) ?? []), row]);
  }
  const out = [];
  for (const group of byProblem.values()) {
    const row = group[Math.floor(group.length / 2)];
    // The editor's view of the task: the cursor on an empty line between prompt and suffix.
    const text = `${row.prompt}\n${row.suffix}`;
    out.push({ id: row.task_id, source: `human-eval ${kind}`, path: `${row.entry_point}.py`, text, offset: row.prompt.length, expected: row.canonical_solution.replace(/\n$/, "") });
    if (out.length >= count) break;
  }
  return out;
}

function listTs(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** Cursor positions in this repo's sources, picked by rule so the set is reproducible. */
function repoCases(perKind) {
  const files = [...listTs(join(root, "server/syntax")), ...listTs(join(root, "server/config")), ...listTs(join(root, "server/util"))].sort();
  const cases = { tail: [], args: [], body: [] };
  for (const file of files) {
    const source = readFileSync(file, "utf8");
    const lines = source.split("\n");
    const path = relative(root, file);
    lines.forEach((line, i) => {
      const start = lines.slice(0, i).join("\n").length + (i > 0 ? 1 : 0);
      const code = line.trim();
      if (code.startsWith("//") || code.startsWith("*") || code.startsWith("/*")) return;
      // tail: `const x = <removed>` (the rest of an assignment removed)
      const assign = /^(\s*(?:const|let)\s+\w+(?::[^=]+)?\s*=\s*)(\S.*)$/.exec(line);
      if (assign && cases.tail.length < perKind && i % 3 === 0) {
        const cut = start + assign[1].length;
        const text = source.slice(0, cut) + source.slice(start + line.length);
        cases.tail.push({ id: `${path}:${i + 1}:tail`, source: "repo", path, ...windowAround(text, cut), expected: assign[2] });
      }
      // args: `foo(<removed>)` with the closing bracket left in place, as an editor's auto-close does
      const call = /^(.*\b\w+\()([^()]+)(\).*)$/.exec(line);
      if (call && cases.args.length < perKind && i % 2 === 1) {
        const cut = start + call[1].length;
        const text = source.slice(0, cut) + source.slice(cut + call[2].length);
        cases.args.push({ id: `${path}:${i + 1}:args`, source: "repo", path, ...windowAround(text, cut), expected: call[2] });
      }
      // body: a statement line inside a block emptied down to its indentation
      const indent = /^(\s{4,})(\S.*)$/.exec(line);
      if (indent && cases.body.length < perKind && i % 5 === 2 && /[;{]$/.test(code)) {
        const cut = start + indent[1].length;
        const text = source.slice(0, cut) + source.slice(start + line.length);
        cases.body.push({ id: `${path}:${i + 1}:body`, source: "repo", path, ...windowAround(text, cut), expected: indent[2] });
      }
    });
  }
  return [...cases.tail, ...cases.args, ...cases.body];
}

const settings = defaultSettings();
settings.model.path = values.model;
settings.model.threads = 1;
const logger = new Logger("warn");
const engine = createInferenceEngine({ settings, logger });
const info = await engine.load();
const counter = new TokenCounter((t) => engine.countTokens(t));

// A second, direct handle on the model for the special-token continuation.
const llama = await getLlama({ gpu: false });
const model = await llama.loadModel({ modelPath: values.model });
const context = await model.createContext({ contextSize: 2048, threads: 1 });
const sequence = context.getSequence();
async function rawWithSpecials(prefix, suffix) {
  const t = model.tokens.infill;
  const tokens = [t.prefix, ...model.tokenize(prefix, false), t.suffix, ...model.tokenize(suffix, false), t.middle];
  await sequence.clearHistory();
  const out = [];
  for await (const token of sequence.evaluate(tokens.slice(-1500), { temperature: 0, yieldEogToken: true })) {
    out.push(token);
    if (out.length >= 48) break;
  }
  return model.detokenize(out, true);
}

const cases = [
  ...humanEvalCases("HumanEval-SingleLineInfilling.jsonl.gz", "single-line", 12),
  ...humanEvalCases("HumanEval-MultiLineInfilling.jsonl.gz", "multi-line", 12),
  ...repoCases(8),
];
const records = [];
for (const c of cases) {
  const cursor = Cursor.at(c.text, c.offset);
  const removed = trailingWhitespace(cursor.linePrefix);
  const assembled = await assembleContext({
    uri: c.path, path: c.path, cursor: cursor.deleteBefore(removed.length),
    budgets: settings.completion.contextTokens, contextSize: info.contextSize, maxTokens: MAX_TOKENS,
    counter, index: null, recent: new RecentFiles(), logger, retrievalTimeoutMs: 50,
  });
  const result = await engine.infill({ cursor: assembled.cursor, maxTokens: MAX_TOKENS });
  const record = { ...c, raw: shiftToCursor(result.text, removed), stopReason: result.stopReason };
  if (records.length % 3 === 0) record.rawSpecial = await rawWithSpecials(assembled.cursor.prefix, assembled.cursor.suffix);
  records.push(record);
  process.stderr.write(".");
}
writeFileSync(values.out, `${JSON.stringify({ model: info.name, maxTokens: MAX_TOKENS, capturedWith: "bench/capture-completions.mjs", records }, null, 1)}\n`);
process.stderr.write(`\nwrote ${records.length} records to ${values.out}\n`);
await context.dispose();
await model.dispose();
await engine.dispose();
