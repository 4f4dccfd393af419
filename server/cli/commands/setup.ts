import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import { DEFAULT_DRAFT_MODEL_URI, DEFAULT_MODEL_URI, pulledDefaultDraft, pulledDefaultModel } from "../../inference/defaultModels.js";
import { readDraftMeasurement, writeDraftMeasurement } from "../../inference/draftMeasurement.js";
import { readFlashAttentionMeasurement, writeFlashAttentionMeasurement } from "../../inference/flashAttentionChoice.js";
import { errorMessage } from "../../util/logger.js";
import { modelCacheDir } from "../../util/paths.js";
import { parseCliArgs, UsageError, type CliIO } from "../args.js";
import { installEmbeddingRuntime } from "../installEmbeddingRuntime.js";
import { pull } from "./models.js";

// `dhi setup`: what doctor would tell a new user to do, in one step. Each step checks first and skips
// what is already done, so running it again is cheap; each writes its result under a temporary name
// and renames it, so Ctrl-C leaves nothing half-written.

const INTERRUPTED = 130;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCliArgs(argv, {
    "build-llama": { type: "boolean" },
    "no-build-llama": { type: "boolean" },
    "no-measure": { type: "boolean" },
    "no-embedding": { type: "boolean" },
  }, false);
  if (values["build-llama"] && values["no-build-llama"]) throw new UsageError("dhi: --build-llama and --no-build-llama contradict each other", true);
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  // `on`, not `once`: signal-exit (loaded with node-llama-cpp) re-raises SIGINT when it sees no other listener.
  process.on("SIGINT", onInterrupt);
  try {
    const dir = modelCacheDir(io.env);
    io.stderr(`dhi setup: 1/5 default models → ${dir}\n`);
    // A failed download ends only its own step: the llama.cpp build needs no model, so an offline user still gets it.
    const missing: string[] = [];
    for (const uri of [DEFAULT_MODEL_URI, DEFAULT_DRAFT_MODEL_URI]) {
      if ((await pull(uri, dir, io, controller.signal)) !== null) continue;
      if (controller.signal.aborted) return INTERRUPTED;
      missing.push("the default models");
      break;
    }
    // The default embedding model for code search, the same pull as `dhi models pull`.
    if (!values["no-embedding"] && missing.length === 0) {
      const { pullEmbeddingModel } = await import("../pullEmbeddingModel.js");
      if ((await pullEmbeddingModel(io, controller.signal)) === null) {
        if (controller.signal.aborted) return INTERRUPTED;
        missing.push("the embedding model");
      }
    }
    io.stderr("dhi setup: 2/5 embedding runtime\n");
    // Needs only the npm registry, so it runs even when the model host was unreachable.
    if (values["no-embedding"]) io.stderr("dhi: skipped (--no-embedding)\n");
    else if ((await installEmbeddingRuntime(io, controller.signal)) === null) {
      if (controller.signal.aborted) return INTERRUPTED;
      missing.push("the embedding runtime");
    }
    io.stderr("dhi setup: 3/5 draft model on this CPU\n");
    if (values["no-measure"]) io.stderr("dhi: skipped (--no-measure); the pulled draft stays off\n");
    else if (missing.includes("the default models")) io.stderr("dhi: skipped: the models are not here yet\n");
    else await measure(io, controller.signal);
    if (controller.signal.aborted) return INTERRUPTED;
    io.stderr("dhi setup: 4/5 llama.cpp for this CPU\n");
    const built = await buildLlama(io, values["build-llama"] ? "yes" : values["no-build-llama"] ? "no" : "ask", controller.signal);
    if (controller.signal.aborted) return INTERRUPTED;
    // After the build: the choice belongs to the binary that will run.
    io.stderr("dhi setup: 5/5 flash attention and prompt lookup on this CPU\n");
    const measured = measuredModel(io.env);
    if (values["no-measure"]) io.stderr("dhi: skipped (--no-measure); llama.cpp decides flash attention, prompt lookup stays off\n");
    else if (!measured) io.stderr("dhi: skipped: the models are not here yet\n");
    else await measureAttention(io, measured, controller.signal);
    if (controller.signal.aborted) return INTERRUPTED;
    if (missing.length > 0) {
      io.stderr(`dhi setup: not finished: ${missing.join(" and ")} could not be downloaded (see above). Run \`dhi setup\` again when the model host and the npm registry are reachable; it keeps what is done.\n`);
      return 1;
    }
    io.stdout(`model: ${pulledDefaultModel(io.env)}\ndraft model: ${pulledDefaultDraft(io.env)}\n`);
    io.stdout(built ? "dhi is set up. `dhi doctor` checks the rest.\n" : "dhi is set up, except the llama.cpp build (see above). `dhi doctor` checks the rest.\n");
    return 0;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

/** The model the server will use, when it is a local file: DHI_MODEL, else the pulled default. */
function measuredModel(env: NodeJS.ProcessEnv): string | null {
  if (env.DHI_MODEL && existsSync(env.DHI_MODEL)) return env.DHI_MODEL;
  return pulledDefaultModel(env);
}

/** Flash attention on vs off for this model, build and CPU, once; "auto" then follows the faster. */
async function measureAttention(io: CliIO, model: string, signal: AbortSignal): Promise<void> {
  const build = (await hasLocalBuild()) ? "localBuild" : "prebuilt";
  const known = readFlashAttentionMeasurement(model, build, io.env);
  // A measurement from before prompt lookup was measured is taken again, so "auto" has both answers.
  if (known?.completionLookup) {
    io.stderr(`dhi: already measured: flash attention ${known.faster} (${known.onMs.toFixed(0)} ms on, ${known.offMs.toFixed(0)} ms off), ${lookupNote(known.completionLookup)}\n`);
    return;
  }
  io.stderr(`dhi: a few infills with flash attention on and off, then prompt-lookup drafting on and off (${basename(model)})…\n`);
  try {
    const { measureFlashAttention } = await import("../../inference/measureFlashAttention.js");
    const result = await measureFlashAttention(model, { signal });
    writeFlashAttentionMeasurement(result, io.env);
    io.stderr(`dhi: ${result.onMs.toFixed(0)} ms with flash attention, ${result.offMs.toFixed(0)} ms without: ${result.faster}; ${result.completionLookup ? lookupNote(result.completionLookup) : ""}\n`);
  } catch (error) {
    if (!signal.aborted) io.stderr(`dhi: could not measure flash attention (${errorMessage(error)}); llama.cpp decides\n`);
  }
}

function lookupNote(m: { onMs: number; offMs: number; faster: "on" | "off" }): string {
  return `prompt lookup in completions ${m.faster} (${m.onMs.toFixed(0)} ms on, ${m.offMs.toFixed(0)} ms off)`;
}

/** Measures target alone vs with the draft once per pair of files and CPU; the result decides the default. */
async function measure(io: CliIO, signal: AbortSignal): Promise<void> {
  const target = pulledDefaultModel(io.env);
  const draft = pulledDefaultDraft(io.env);
  if (!target || !draft) return;
  const known = readDraftMeasurement(io.env);
  if (known && known.target === basename(target) && known.draft === basename(draft)) {
    io.stderr(`dhi: already measured: draft ${known.faster ? "on" : "off"} (${known.withDraftTokensPerSecond.toFixed(1)} vs ${known.targetTokensPerSecond.toFixed(1)} tok/s)\n`);
    return;
  }
  io.stderr("dhi: a few short completions with and without the draft model…\n");
  try {
    const { measureDraft } = await import("../../inference/measureDraft.js");
    const result = await measureDraft(target, draft, { signal });
    writeDraftMeasurement(result, io.env);
    io.stderr(`dhi: ${result.withDraftTokensPerSecond.toFixed(1)} tok/s with the draft, ${result.targetTokensPerSecond.toFixed(1)} without: draft ${result.faster ? "on" : "off"}\n`);
  } catch (error) {
    if (!signal.aborted) io.stderr(`dhi: could not measure the draft model (${errorMessage(error)}); it stays off\n`);
  }
}

/** Builds llama.cpp from the source node-llama-cpp ships, through its own CLI, wherever dhi is installed. */
async function buildLlama(io: CliIO, mode: "yes" | "no" | "ask", signal: AbortSignal): Promise<boolean> {
  if (await hasLocalBuild()) {
    io.stderr("dhi: llama.cpp is already built for this machine\n");
    return true;
  }
  const hint = "dhi: `dhi setup --build-llama` compiles llama.cpp for this CPU (a few minutes; up to 1.3-1.6x faster, depending on the CPU; needs cmake and a C++ compiler)\n";
  if (mode === "no") {
    io.stderr(hint);
    return false;
  }
  if (mode === "ask") {
    if (!process.stdin.isTTY || !io.stderrIsTerminal) {
      io.stderr(hint);
      return false;
    }
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question("Build llama.cpp for this CPU now? It takes a few minutes. [y/N] ", { signal }).catch(() => "");
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.stderr(hint);
      return false;
    }
  }
  const cli = join(dirname(fileURLToPath(import.meta.resolve("node-llama-cpp"))), "cli", "cli.js");
  if (!existsSync(cli)) {
    io.stderr(`dhi: node-llama-cpp's CLI is missing (${cli}); reinstall dhi\n`);
    return false;
  }
  // node-llama-cpp builds into its own package folder and prints its own progress.
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [cli, "source", "download", "--noUsageExample"], { stdio: ["ignore", "pipe", "pipe"], signal });
    child.stdout.on("data", (d: Buffer) => io.stderr(d.toString()));
    child.stderr.on("data", (d: Buffer) => io.stderr(d.toString()));
    child.on("error", () => resolve(1));
    child.on("close", (status) => resolve(status ?? 1));
  });
  if (code !== 0) {
    if (!signal.aborted) io.stderr(`dhi: the llama.cpp build failed (exit ${code}); the prebuilt binary stays in use\n`);
    return false;
  }
  return true;
}

async function hasLocalBuild(): Promise<boolean> {
  try {
    const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
    const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, logger: () => undefined });
    const local = llama.buildType === "localBuild";
    await llama.dispose();
    return local;
  } catch {
    return false;
  }
}
