import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AcceptanceSnapshot } from "../../completion/AcceptanceStats.js";
import { ACCEPTANCE_DB, AcceptanceStore, type SpeculationTotals } from "../../completion/AcceptanceStore.js";
import { loadSettingsForDirectory } from "../../config/loadSettings.js";
import type { Settings } from "../../config/schema.js";
import { OLLAMA_DEFAULT_URL } from "../../inference/OllamaEngine.js";
import { describeCalibration, readCalibration } from "../../index/calibration/calibrationFile.js";
import { EMBEDDING_RUNTIME_MISSING, resolveEmbeddingRuntime } from "../../index/embeddingRuntime.js";
import { readIndexSummary } from "../../index/indexSummary.js";
import { chooseDraft, chooseModel, describeModelChoice } from "../../inference/modelResolver.js";
import { readFlashAttentionMeasurement } from "../../inference/flashAttentionChoice.js";
import { isRemoteModelUri } from "../../inference/modelSource.js";
import { grammarFor, SUPPORTED_LANGUAGES } from "../../syntax/index.js";
import { errorMessage, Logger } from "../../util/logger.js";
import { workspaceCacheDir } from "../../util/paths.js";
import { Workspace } from "../../workspace/Workspace.js";
import { parseCliArgs, type CliIO } from "../args.js";

export interface Check {
  name: "model" | "draftModel" | "llamaCpp" | "embeddingModel" | "grammars" | "index" | "sandbox";
  ok: boolean;
  required: boolean;
  /** What is ready, or what is missing and how to fix it. */
  detail: string;
}

function modelCheck(settings: Settings, env: NodeJS.ProcessEnv, cwd: string): Check {
  if (settings.backend.type === "openai") {
    const ok = settings.backend.url !== null;
    return {
      name: "model",
      ok,
      required: true,
      detail: ok ? `OpenAI-compatible server at ${settings.backend.url}` : 'backend.type is "openai" but backend.url is not set',
    };
  }
  if (settings.backend.type === "ollama") {
    const ok = settings.backend.model !== null;
    const url = settings.backend.url ?? OLLAMA_DEFAULT_URL;
    return { name: "model", ok, required: true, detail: ok ? `Ollama model ${settings.backend.model} at ${url}` : 'backend.type is "ollama" but backend.model is not set (e.g. "qwen2.5-coder:1.5b-base")' };
  }
  return { name: "model", required: true, ...describeModelChoice(chooseModel(settings.model, env, cwd)) };
}

function draftCheck(settings: Settings, env: NodeJS.ProcessEnv, cwd: string): Check {
  if (settings.backend.type === "openai") return { name: "draftModel", ok: true, required: false, detail: 'not used (backend.type is "openai")' };
  const draft = chooseDraft(settings.model, chooseModel(settings.model, env, cwd), env, cwd);
  if (!draft.source) return { name: "draftModel", ok: true, required: false, detail: `speculative decoding ${draft.reason}` };
  const status = describeModelChoice({ source: draft.source, origin: "model.path", remote: isRemoteModelUri(draft.source) });
  return status.ok
    ? { name: "draftModel", ok: true, required: false, detail: `${draft.source} (${draft.reason})` }
    : { name: "draftModel", ok: false, required: false, detail: `draft model not found: ${draft.source} (${draft.reason})` };
}

/** Which llama.cpp binary the embedded engine would run; a prebuilt one on the CPU gets a hint to build one here. */
async function llamaCppCheck(settings: Settings, env: NodeJS.ProcessEnv): Promise<Check> {
  if (settings.backend.type !== "embedded") return { name: "llamaCpp", ok: true, required: false, detail: `not used (backend.type is "${settings.backend.type}")` };
  try {
    const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
    const { llamaGpuOption } = await import("../../inference/loadLlama.js");
    const llama = await getLlama({ gpu: llamaGpuOption(settings.model.gpuLayers), build: "never", logLevel: LlamaLogLevel.error, logger: () => undefined });
    const device = llama.gpu === false ? "CPU" : llama.gpu;
    const hint = llama.buildType === "prebuilt" && llama.gpu === false
      ? "; `dhi setup --build-llama` compiles llama.cpp for this CPU in a few minutes (up to 1.3-1.6x faster, depending on the CPU)"
      : "";
    const detail = `${llama.buildType === "localBuild" ? "built on this machine" : "prebuilt binary"}, ${device}${flashAttentionNote(settings, llama.buildType, llama.gpu === false, env)}${completionLookupNote(settings, llama.buildType, env)}${hint}`;
    await llama.dispose();
    return { name: "llamaCpp", ok: true, required: true, detail };
  } catch (error) {
    return { name: "llamaCpp", ok: false, required: true, detail: `llama.cpp does not load: ${errorMessage(error)} — run \`dhi setup --build-llama\`, or reinstall dhi` };
  }
}

/** What "model.flashAttention" comes to on this CPU for the model the server would load, and why. */
function flashAttentionNote(settings: Settings, build: string, cpu: boolean, env: NodeJS.ProcessEnv): string {
  const setting = settings.model.flashAttention;
  if (setting !== "auto") return `, flash attention ${setting ? "on" : "off"} (model.flashAttention)`;
  if (!cpu) return ", flash attention: llama.cpp decides (GPU)";
  const model = chooseModel(settings.model, env);
  const measured = model && !model.remote ? readFlashAttentionMeasurement(model.source, build, env) : null;
  if (measured) return `, flash attention ${measured.faster} (measured here: ${measured.onMs.toFixed(0)} ms on, ${measured.offMs.toFixed(0)} ms off)`;
  return build === "prebuilt" ? ", flash attention off (prebuilt binary on a CPU)" : ", flash attention: llama.cpp decides (not measured for this model yet: `dhi setup`)";
}

/** What "model.speculation.completionLookup" comes to for the model the server would load, and why. */
function completionLookupNote(settings: Settings, build: string, env: NodeJS.ProcessEnv): string {
  const setting = settings.model.speculation.completionLookup;
  if (setting !== "auto") return `, prompt lookup in completions ${setting ? "on" : "off"} (model.speculation.completionLookup)`;
  const model = chooseModel(settings.model, env);
  const measured = model && !model.remote ? readFlashAttentionMeasurement(model.source, build, env)?.completionLookup : undefined;
  if (measured) return `, prompt lookup in completions ${measured.faster} (measured here: ${measured.onMs.toFixed(0)} ms on, ${measured.offMs.toFixed(0)} ms off)`;
  return ", prompt lookup in completions off (not measured for this model yet: `dhi setup`)";
}

function grammarsCheck(): Check {
  const failed: string[] = [];
  for (const language of SUPPORTED_LANGUAGES) {
    try {
      grammarFor(language);
    } catch (error) {
      failed.push(`${language} (${errorMessage(error)})`);
    }
  }
  return failed.length === 0
    ? { name: "grammars", ok: true, required: true, detail: `${SUPPORTED_LANGUAGES.length} tree-sitter grammars load: ${SUPPORTED_LANGUAGES.join(", ")}` }
    : { name: "grammars", ok: false, required: true, detail: `grammars failed to load: ${failed.join("; ")} — reinstall dhi (\`npm install -g dhi-lsp\`, or \`npm install\` in a clone)` };
}

function indexCheck(root: string, env: NodeJS.ProcessEnv): Check {
  const dir = workspaceCacheDir(root, env);
  const notBuilt: Check = { name: "index", ok: true, required: false, detail: `not built yet for ${root} (run \`dhi index\`; the server builds it in the background)` };
  if (!existsSync(dir)) return notBuilt;
  try {
    const summary = readIndexSummary(dir);
    if (!summary) return notBuilt;
    const { files, chunks, symbols, embeddings } = summary;
    const vectors = chunks > 0 ? `, ${embeddings} of them with vectors (${Math.floor((100 * embeddings) / chunks)}%)` : "";
    const calibration = readCalibration(dir);
    const fusion = calibration ? `; ${describeCalibration(calibration)}` : "";
    return { name: "index", ok: true, required: false, detail: `${files} files, ${chunks} chunks${vectors}, ${symbols} symbols; cache at ${dir}${fusion}` };
  } catch (error) {
    // The server deletes and rebuilds an unreadable database when it opens it.
    return { name: "index", ok: false, required: false, detail: `index at ${dir} is unreadable (${errorMessage(error)}); \`dhi index\` rebuilds it` };
  }
}

async function sandboxCheck(settings: Settings, root: string, env: NodeJS.ProcessEnv): Promise<Check> {
  try {
    const workspace = await Workspace.withSettings(root, settings, new Logger("error"), env);
    const readiness = await workspace.sandbox.readiness().finally(() => workspace.dispose());
    return { name: "sandbox", ok: readiness.ready, required: false, detail: `${readiness.backend}: ${readiness.detail}` };
  } catch (error) {
    return { name: "sandbox", ok: false, required: false, detail: errorMessage(error) };
  }
}

async function embeddingCheck(settings: Settings, env: NodeJS.ProcessEnv): Promise<Check> {
  if (!resolveEmbeddingRuntime(env)) return { name: "embeddingModel", ok: false, required: false, detail: EMBEDDING_RUNTIME_MISSING };
  try {
    const { embeddingReadiness } = await import("../../index/embeddingReadiness.js");
    const readiness = await embeddingReadiness(settings, env);
    return { name: "embeddingModel", ok: readiness.ready, required: false, detail: readiness.detail };
  } catch (error) {
    return { name: "embeddingModel", ok: false, required: false, detail: `embeddings unavailable: ${errorMessage(error)}` };
  }
}

export async function runChecks(root: string, env: NodeJS.ProcessEnv): Promise<{ checks: Check[]; settingsProblems: string[] }> {
  const resolved = loadSettingsForDirectory(root, env);
  const { settings } = resolved;
  const checks: Check[] = [
    modelCheck(settings, env, root),
    draftCheck(settings, env, root),
    await llamaCppCheck(settings, env),
    await embeddingCheck(settings, env),
    grammarsCheck(),
    indexCheck(root, env),
    await sandboxCheck(settings, root, env),
  ];
  return { checks, settingsProblems: [...resolved.errors, ...resolved.warnings] };
}

interface CompletionStats {
  acceptance: AcceptanceSnapshot;
  /** Speculative decoding totals per draft kind, with acceptance rates. */
  speculation: Record<string, SpeculationTotals>;
}

/** Completion acceptance and speculation counted locally in this workspace; null before any completion ran. */
function completionStats(root: string, env: NodeJS.ProcessEnv): CompletionStats | null {
  const path = join(workspaceCacheDir(root, env), ACCEPTANCE_DB);
  if (!existsSync(path)) return null;
  try {
    const store = new AcceptanceStore(path);
    const stats = { acceptance: store.snapshot(), speculation: store.speculationSnapshot() };
    store.close();
    return stats;
  } catch {
    return null;
  }
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCliArgs(argv, { json: { type: "boolean" }, dir: { type: "string" } }, false);
  const root = values.dir ?? io.cwd;
  const { checks, settingsProblems } = await runChecks(root, io.env);
  const healthy = checks.every((c) => c.ok || !c.required) && settingsProblems.length === 0;
  const stats = completionStats(root, io.env);
  const acceptance = stats && stats.acceptance.shown > 0 ? stats.acceptance : null;
  const speculation = stats?.speculation ?? {};
  if (values.json) {
    const fusion = readCalibration(workspaceCacheDir(root, io.env));
    io.stdout(`${JSON.stringify({ ok: healthy, checks, settingsProblems, acceptance, speculation, fusion }, null, 2)}\n`);
  } else {
    for (const problem of settingsProblems) io.stdout(`✗ settings: ${problem}\n`);
    for (const check of checks) {
      const mark = check.ok ? "✓" : check.required ? "✗" : "!";
      io.stdout(`${mark} ${check.name}: ${check.detail}\n`);
    }
    if (acceptance) {
      const percent = (rate: number) => `${(100 * rate).toFixed(1)}%`;
      io.stdout(`  completions: ${acceptance.accepted}/${acceptance.shown} accepted (${percent(acceptance.rate)}), ${acceptance.partiallyAccepted} more accepted in part (${percent(acceptance.partialRate)})\n`);
    }
    for (const [kind, t] of Object.entries(speculation)) {
      if (t.drafted > 0) io.stdout(`  speculation (${kind}): ${t.accepted}/${t.drafted} drafted tokens accepted (${(100 * t.acceptanceRate).toFixed(1)}%) over ${t.requests} requests\n`);
    }
    io.stdout(healthy ? "dhi is ready.\n" : "dhi is not ready: fix the ✗ lines above.\n");
  }
  return healthy ? 0 : 2;
}
