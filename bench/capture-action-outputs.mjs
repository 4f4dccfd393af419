// Captures real model outputs for the AI code actions, as fixtures for the text→edit mapping tests.
// Usage: npm run build && node bench/capture-action-outputs.mjs [model.gguf]
// Writes test/actions/fixtures/captured-outputs.json: for each case, the document, the request, and every
// raw GenerationResult the engine returned (text + stats), plus the plan or the rejection it led to.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CodeActionService } from "../dist/actions/CodeActionService.js";
import { defaultSettings } from "../dist/config/schema.js";
import { createInferenceEngine } from "../dist/inference/createEngine.js";
import { Logger } from "../dist/util/logger.js";
import { CASES, caseRequest } from "../test/actions/fixtures/cases.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const modelPath = resolve(process.argv[2] ?? resolve(here, "../../shared/models/dhi-fim-4m.gguf"));
const settings = defaultSettings();
settings.model.path = modelPath;
settings.model.threads = 1;
settings.model.contextSize = 2048;
const engine = createInferenceEngine({ settings, logger: new Logger("warn") });
const info = await engine.load();

/** Passes calls through to the real engine and keeps what it returned. */
function recording(inner, calls) {
  return {
    ...inner,
    get loaded() { return inner.loaded; },
    load: (o) => inner.load(o),
    async complete(request) {
      const result = await inner.complete(request);
      calls.push({ text: result.text, stopReason: result.stopReason, tokens: result.tokens, timings: result.timings, speculation: result.speculation });
      return result;
    },
  };
}

const service = new CodeActionService();
const out = { model: info.name, chatTemplate: info.chatTemplate, capturedAt: new Date().toISOString().slice(0, 10), cases: [] };
for (const c of CASES) {
  const calls = [];
  const env = {
    engine: recording(engine, calls), index: null,
    files: { read: (p) => c.files?.[p] ?? null, exists: (p) => p in (c.files ?? {}), list: () => [] },
    candidates: c.candidates ?? 1, signal: new AbortController().signal, onProgress: () => {}, debug: () => {},
  };
  let plan = null;
  let error = null;
  try {
    plan = await service.resolve(caseRequest(c), env);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  out.cases.push({ name: c.name, calls, plan: plan && plan.changes, error });
  console.log(`${c.name}: ${calls.length} call(s), ${error ?? `${plan.changes.length} change(s)`}`);
}
await engine.dispose();
writeFileSync(resolve(here, "../test/actions/fixtures/captured-outputs.json"), `${JSON.stringify(out, null, 1)}\n`);
