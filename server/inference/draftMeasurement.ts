import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomicFile.js";
import { modelCacheDir } from "../util/paths.js";

// Whether the pulled draft model speeds up the pulled target on this CPU, as `dhi setup` measured it.
// Stored beside the models; a measurement from another CPU (a shared cache) does not count.

export interface DraftMeasurement {
  /** File names of the target and draft models measured. */
  target: string;
  draft: string;
  targetTokensPerSecond: number;
  withDraftTokensPerSecond: number;
  faster: boolean;
  cpu: string;
  measuredAt: string;
}

const FILE = "draft-measurement.json";

export function cpuName(): string {
  return `${cpus()[0]?.model ?? "unknown"} x${cpus().length}`;
}

export function readDraftMeasurement(env: NodeJS.ProcessEnv = process.env): DraftMeasurement | null {
  const path = join(modelCacheDir(env), FILE);
  if (!existsSync(path)) return null;
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as Partial<DraftMeasurement>;
    if (typeof value.target !== "string" || typeof value.draft !== "string" || typeof value.faster !== "boolean") return null;
    if (typeof value.targetTokensPerSecond !== "number" || typeof value.withDraftTokensPerSecond !== "number") return null;
    return value.cpu === cpuName() ? (value as DraftMeasurement) : null;
  } catch {
    return null;
  }
}

export function writeDraftMeasurement(measurement: DraftMeasurement, env: NodeJS.ProcessEnv = process.env): string {
  const path = join(modelCacheDir(env), FILE);
  writeFileAtomic(path, `${JSON.stringify(measurement, null, 2)}\n`);
  return path;
}
