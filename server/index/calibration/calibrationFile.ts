import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FusionCalibration, KindCalibration } from "./calibrateFusion.js";

// The fusion calibration lives beside the index (`<workspace cache>/fusion-calibration.json`). It is measured
// again when the embedding model changes or the index has grown (or shrunk) a lot since.

export const CALIBRATION_FILE = "fusion-calibration.json";
/** Recalibrate once the index holds this many times the chunks it was measured on (or 1 / this of them). */
const GROWTH = 1.5;
/** ...and at least this many chunks more or fewer, so a small workspace is not measured at every edit. */
const MIN_CHANGE = 200;

export function readCalibration(cacheDir: string): FusionCalibration | null {
  const file = join(cacheDir, CALIBRATION_FILE);
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as FusionCalibration;
    return typeof parsed.prose?.weights?.fts === "number" && typeof parsed.code?.weights?.fts === "number" ? parsed : null;
  } catch {
    // A torn or hand-edited file is measured again.
    return null;
  }
}

export function writeCalibration(cacheDir: string, calibration: FusionCalibration): void {
  const file = join(cacheDir, CALIBRATION_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(calibration, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Whether `saved` no longer describes this index. */
export function calibrationStale(saved: FusionCalibration | null, embeddingModel: string, chunks: number): boolean {
  if (!saved || saved.embeddingModel !== embeddingModel) return true;
  const grew = chunks >= saved.chunks * GROWTH && chunks - saved.chunks >= MIN_CHANGE;
  const shrank = chunks * GROWTH <= saved.chunks && saved.chunks - chunks >= MIN_CHANGE;
  return grew || shrank;
}

/** One line for `dhi doctor` and `dhi index`: each kind's weights and the recalls they came from. */
export function describeCalibration(c: FusionCalibration): string {
  const kind = (k: KindCalibration, what: string): string => {
    if (!k.measured) return `${what}: plain RRF (only ${k.queries} ${what} to measure on)`;
    const { weights: w, recallAt5: r } = k;
    return `${what}: FTS ${w.fts} / vectors ${w.vectors} / graph ${w.graph} from recall@5 ${r.fts} / ${r.vectors} / ${r.graph} (fused ${r.hybrid}, ${k.queries} queries)`;
  };
  return `fusion weights for ${kind(c.prose, "doc comments")}; for ${kind(c.code, "call sites")}; among ${c.pool} chunks`;
}
