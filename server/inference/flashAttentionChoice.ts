import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../util/atomicFile.js";
import { modelCacheDir } from "../util/paths.js";
import { cpuName } from "./draftMeasurement.js";

// Whether flash attention makes completions faster for one model on this CPU, as `dhi setup` measured it, and with
// it whether prompt-lookup drafting does (the same key: the speed of a pass depends on the model, build and CPU).
// On CPUs it goes either way (on this project's 2-core x86 box it slowed generation by 1.6x at a 1,000-token
// context; llama.cpp issue 27086 reports 2x slower prompts on Arm Neoverse and the opposite on a Comet Lake), so
// "auto" follows a measurement where there is one. Keyed by the model file, its size and the llama.cpp build.

export interface FlashAttentionMeasurement {
  /** Absolute path of the model file measured. */
  model: string;
  bytes: number;
  /** node-llama-cpp's build type ("localBuild" or "prebuilt"): a rebuild measures again. */
  build: string;
  /** Milliseconds for the same requests (prompt evaluation and generation) with flash attention on and off. */
  onMs: number;
  offMs: number;
  faster: "on" | "off";
  /**
   * The same requests with prompt-lookup drafting on and off (flash attention as `faster`): the drafts the model
   * confirms save passes, the ones it refutes make passes longer, and which wins depends on the model and CPU.
   * Absent in measurements from before it was measured; "auto" then leaves drafting off.
   */
  completionLookup?: { onMs: number; offMs: number; faster: "on" | "off" };
  cpu: string;
  measuredAt: string;
}

const FILE = "flash-attention.json";

function file(env: NodeJS.ProcessEnv): string {
  return join(modelCacheDir(env), FILE);
}

function isMeasurement(value: unknown): value is FlashAttentionMeasurement {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Partial<FlashAttentionMeasurement>;
  const lookup = m.completionLookup;
  const lookupOk = lookup === undefined || (typeof lookup === "object" && lookup !== null && typeof lookup.onMs === "number" && typeof lookup.offMs === "number" && (lookup.faster === "on" || lookup.faster === "off"));
  return typeof m.model === "string" && typeof m.bytes === "number" && typeof m.build === "string" && typeof m.onMs === "number" && typeof m.offMs === "number" && (m.faster === "on" || m.faster === "off") && typeof m.cpu === "string" && lookupOk;
}

function readAll(env: NodeJS.ProcessEnv): FlashAttentionMeasurement[] {
  const path = file(env);
  if (!existsSync(path)) return [];
  try {
    const value: unknown = JSON.parse(readFileSync(path, "utf8"));
    return Array.isArray(value) ? value.filter(isMeasurement) : [];
  } catch {
    return [];
  }
}

function sizeOf(modelPath: string): number | null {
  try {
    return statSync(modelPath).size;
  } catch {
    return null;
  }
}

/** The measurement for this model file and build on this CPU, or null. */
export function readFlashAttentionMeasurement(modelPath: string, build: string, env: NodeJS.ProcessEnv = process.env): FlashAttentionMeasurement | null {
  const model = resolve(modelPath);
  const bytes = sizeOf(model);
  if (bytes === null) return null;
  const cpu = cpuName();
  return readAll(env).find((m) => m.model === model && m.bytes === bytes && m.build === build && m.cpu === cpu) ?? null;
}

/** Adds or replaces the measurement for its model, build and CPU; other models' measurements stay. */
export function writeFlashAttentionMeasurement(measurement: FlashAttentionMeasurement, env: NodeJS.ProcessEnv = process.env): string {
  const others = readAll(env).filter((m) => !(m.model === measurement.model && m.build === measurement.build && m.cpu === measurement.cpu));
  const path = file(env);
  writeFileAtomic(path, `${JSON.stringify([...others, measurement], null, 2)}\n`);
  return path;
}
