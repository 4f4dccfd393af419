import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { defaultSettings, type Settings } from "../../server/config/schema.js";
import { openIndex } from "../../server/index/openIndex.js";
import type { WorkspaceIndex } from "../../server/index/WorkspaceIndex.js";
import { Logger } from "../../server/util/logger.js";
import { EMBED_MODEL } from "../helpers/paths.js";

export { EMBED_MODEL };

/** A temporary workspace with `files` (workspace-relative path → text) and its own cache folder. */
export function makeWorkspace(files: Record<string, string | Buffer>): { root: string; cache: string; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), "dhi-index-"));
  const root = join(base, "ws");
  const cache = join(base, "cache");
  mkdirSync(root);
  writeFiles(root, files);
  return { root, cache, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

export interface TestIndexOptions {
  /** Path of an embedding model folder, or null for none. */
  embedModel?: string | null;
  settings?: (s: Settings) => void;
  vectorSaveDelayMs?: number;
}

export async function openTestIndex(root: string, cache: string, options: TestIndexOptions = {}): Promise<WorkspaceIndex> {
  const settings = defaultSettings();
  options.settings?.(settings);
  const env: NodeJS.ProcessEnv = { DHI_CACHE_DIR: cache };
  if (options.embedModel) env.DHI_EMBED_MODEL = options.embedModel;
  return openIndex({
    root, settings, logger: new Logger("error"), env, embeddings: options.embedModel ? true : false, vectorSaveDelayMs: options.vectorSaveDelayMs,
  });
}

/** A suite's workspace and its index, opened and updated before the suite and disposed after it. */
export interface IndexedWorkspace {
  ws: ReturnType<typeof makeWorkspace>;
  /** Tests may replace it (e.g. to reopen from disk); the replacement is the one disposed. */
  index: WorkspaceIndex;
}

export function useIndexedWorkspace(files: Record<string, string | Buffer>, options: TestIndexOptions = {}): IndexedWorkspace {
  const fixture = {} as IndexedWorkspace;
  beforeAll(async () => {
    fixture.ws = makeWorkspace(files);
    fixture.index = await openTestIndex(fixture.ws.root, fixture.ws.cache, options);
    await fixture.index.update();
  });
  afterAll(async () => {
    await fixture.index.dispose();
    fixture.ws.cleanup();
  });
  return fixture;
}

/** The index's update process started by `parent`, if one runs (Linux: /proc). */
export function updateProcessOf(parent: number): number | null {
  return childProcessOf(parent, "updateWorker.js");
}

/** A child process of `parent` whose command line names `script`, or null. */
export function childProcessOf(parent: number, script: string): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(script)) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return null;
}

/** A running process's state letter, CPU time (clock ticks) and command line; null once it is gone or a zombie. */
function runningProcess(pid: number): { state: string; ticks: number; command: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return null;
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    return { state: fields[0], ticks: Number(fields[11]) + Number(fields[12]), command };
  } catch {
    return null;
  }
}

/**
 * Waits for processes whose parent was killed to exit on their own; returns a description of each one left
 * running. The index's helpers run at nice 19: while other work keeps both cores busy they get a sliver of CPU
 * and take tens of seconds of wall time to exit (measured: 37-50 s for an update process killed while booting,
 * beside two busy loops), which is no fault. So the wait gives up early only on a process that has used no CPU
 * for `stuckMs`: it waits for something that will not come.
 */
export async function waitForExit(pids: number[], stuckMs = 10_000, maxMs = 150_000): Promise<string[]> {
  const started = performance.now();
  const progress = new Map<number, { ticks: number; since: number }>();
  for (;;) {
    const now = performance.now();
    const running = pids.map((pid) => ({ pid, info: runningProcess(pid) })).filter((p) => p.info !== null);
    const describe = (): string[] => running.map(({ pid, info }) => `${pid} (${info?.state}, ${info?.ticks} ticks) ${info?.command}`);
    if (running.length === 0) return [];
    if (now - started > maxMs) return describe();
    for (const { pid, info } of running) {
      const seen = progress.get(pid);
      if (!seen || seen.ticks !== info?.ticks) progress.set(pid, { ticks: info?.ticks ?? 0, since: now });
      else if (now - seen.since > stuckMs) return describe();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
