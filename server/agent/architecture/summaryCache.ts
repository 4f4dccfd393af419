import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CachedSummary {
  hash: string;
  summary: string;
  source: "model" | "facts";
}

const FILE = "architecture-summaries.json";
const VERSION = 1;

/** Directory summaries keyed by folder, with the hash they were made from (in the workspace cache folder). */
export function loadSummaries(cacheDir: string): Map<string, CachedSummary> {
  try {
    const data = JSON.parse(readFileSync(join(cacheDir, FILE), "utf8")) as { version?: number; dirs?: Record<string, CachedSummary> };
    if (data.version !== VERSION || !data.dirs) return new Map();
    return new Map(Object.entries(data.dirs));
  } catch {
    return new Map();
  }
}

export function saveSummaries(cacheDir: string, summaries: ReadonlyMap<string, CachedSummary>): void {
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, FILE), JSON.stringify({ version: VERSION, dirs: Object.fromEntries(summaries) }, null, 1));
}
