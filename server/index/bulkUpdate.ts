import { join } from "node:path";
import { languageOf } from "../syntax/index.js";
import { throwIfAborted } from "../util/abort.js";
import { stepAside, type Foreground } from "../util/foreground.js";
import { ExtractionPool } from "./ExtractionPool.js";
import { applyJob, changedStat, examineHere, type FileContext, type Prepared } from "./fileJobs.js";
import { isBusyError, type IndexStore } from "./IndexStore.js";
import { walkWorkspace } from "./walkWorkspace.js";

// One bulk update of the index: walk the workspace, drop the files that are gone, and re-index the changed ones,
// parsed in the extraction processes and written in one bulk transaction committed about once a second. It runs
// in the update process (updateWorker.ts) so the language server's thread never waits on it, or inline where that
// process cannot start (TypeScript sources under vitest).

export interface BulkUpdateOptions {
  store: IndexStore;
  root: string;
  exclude: string[];
  maxFileBytes: number;
  /** Open documents: indexed from the editor's text, so their disk versions are left alone. */
  isOpen: (path: string) => boolean;
  /** The editor's requests in flight: the update steps aside while they run. */
  foreground?: Foreground;
  /** Extraction processes; 0 parses on this thread. Defaults to one per core. */
  extractionWorkers?: number;
  signal?: AbortSignal;
  /** After each commit: files processed so far of `total`, and the HNSW labels the commit deleted. */
  onCommit: (done: number, total: number, removedLabels: number[]) => void;
  /** A file left out, and why (unreadable, vanished). */
  skipped: (path: string, why: string) => void;
}

export interface BulkUpdateResult {
  /** Files looked at (the walk's result). */
  files: number;
  /** Files that needed work (written, touched or removed). */
  changed: number;
}

/** Each write covers at most this much work before the event loop gets a turn. */
const SLICE_MS = 25;
const READ_BATCH = 32;
/** Batches read and handed to the extraction processes ahead of the one being written (measured: 4 left them idle). */
const PREFETCH_BATCHES = 16;
/**
 * Commits about this often. Each commit makes FTS5 flush its pending terms into a new segment (and merge
 * segments), so committing every batch cost several seconds on a 10k-file workspace.
 */
const BULK_COMMIT_MS = 1000;
/** Files a first index's walk must find before the extraction processes are started (during the walk). */
const EAGER_POOL_FILES = 256;
/** Changed files in one batch from which the extraction processes pay off; fewer are handled on this thread. */
const POOL_MIN_FILES = 8;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Why a write found the database locked for good. */
export const BUSY_MESSAGE = "another process is writing this workspace's index (another dhi on the same folder?); try again when it is done";

/**
 * Runs one bulk update. Crash-safe: everything between two commits is whole files, and a failed write rolls back
 * to the last commit (a savepoint per file would copy every page it touches into a sub-journal: seconds over a
 * large workspace). Progress (onCommit) counts committed files only, so what it reports survives a crash.
 */
export async function runBulkUpdate(options: BulkUpdateOptions): Promise<BulkUpdateResult> {
  const { store, signal } = options;
  const ctx: FileContext = { root: options.root, isOpen: options.isOpen, skipped: options.skipped };
  const known = store.allFiles();
  let pool: ExtractionPool | null = null;
  const startPool = (): void => {
    if (!pool && options.extractionWorkers !== 0) pool = ExtractionPool.create(options.extractionWorkers, options.foreground);
  };
  const yieldToForeground = (): Promise<void> => stepAside(options.foreground);

  /** Stats a batch and examines the changed files: in the extraction processes when they run, else here (parsed when written). */
  const prepareBatch = async (paths: string[]): Promise<Prepared[]> => {
    const stats = await Promise.all(paths.map((path) => changedStat(ctx, path, known.get(path))));
    if (stats.filter((s) => s !== null).length >= POOL_MIN_FILES) startPool();
    const out: Prepared[] = [];
    const current = pool as ExtractionPool | null;
    await Promise.all(paths.map(async (path, i) => {
      const info = stats[i];
      if (info === null) return;
      const remote = current && info !== "gone"
        ? await current.examine({ root: options.root, path, known: known.get(path), info, maxFileBytes: options.maxFileBytes, language: languageOf(path) })
          .catch(() => null)
        : null;
      if (remote?.problem) options.skipped(path, remote.problem);
      const job = remote ? remote.job : examineHere(ctx, path, known.get(path), info, options.maxFileBytes);
      if (job) out.push({ job, file: remote?.file ?? null });
    }));
    return out;
  };

  let removed: number[] = [];
  let reported = 0;
  let processed = 0;
  let changed = 0;
  let total = 0;
  const commit = (): void => {
    store.commitBulk();
    const labels = removed;
    removed = [];
    if (processed === reported && labels.length === 0) return;
    reported = processed;
    options.onCommit(processed, total, labels);
  };
  /** Runs `work` inside the bulk transaction; a failure drops everything since the last commit. */
  const write = (work: () => number[]): void => {
    try {
      const labels = work();
      if (labels.length > 0) {
        store.vectors.bumpVersion();
        removed.push(...labels);
      }
    } catch (error) {
      store.rollbackBulk();
      removed = [];
      throw error;
    }
  };

  try {
    // A first index will need the extraction processes: boot them while the walk is still running.
    const onFound = known.size === 0 ? (found: number) => {
      if (found >= EAGER_POOL_FILES) startPool();
    } : undefined;
    const paths = await walkWorkspace(options.root, { exclude: options.exclude, signal, onFound });
    throwIfAborted(signal);
    total = paths.length;
    store.beginBulk();
    const wanted = new Set(paths);
    const gone = [...known.keys()].filter((p) => !wanted.has(p) && !options.isOpen(p));
    if (gone.length > 0) {
      write(() => gone.flatMap((p) => store.removeFile(p)));
      changed += gone.length;
    }

    // Pipeline: while one batch is written, the next ones are read and parsed by the extraction processes.
    const batches: string[][] = [];
    for (let i = 0; i < paths.length; i += READ_BATCH) batches.push(paths.slice(i, i + READ_BATCH));
    const inFlight: Array<Promise<Prepared[]>> = [];
    let queued = 0;
    const refill = (): void => {
      while (queued < batches.length && inFlight.length < PREFETCH_BATCHES) {
        const batch = prepareBatch(batches[queued++]);
        batch.catch(() => undefined);
        inFlight.push(batch);
      }
    };
    let committedAt = performance.now();
    for (let b = 0; b < batches.length; b++) {
      await yieldToForeground();
      if (performance.now() - committedAt > BULK_COMMIT_MS) {
        commit();
        store.beginBulk();
        committedAt = performance.now();
      }
      refill();
      const ready = await (inFlight.shift() as Promise<Prepared[]>);
      refill();
      throwIfAborted(signal);
      let i = 0;
      while (i < ready.length) {
        const sliceStart = performance.now();
        write(() => {
          const labels: number[] = [];
          while (i < ready.length) {
            labels.push(...applyJob(store, ready[i++], options.isOpen));
            if (performance.now() - sliceStart > SLICE_MS) break;
          }
          return labels;
        });
        if (i < ready.length) {
          await yieldToEventLoop();
          await yieldToForeground();
        }
      }
      processed += batches[b].length;
      changed += ready.length;
      await yieldToEventLoop();
    }
    commit();
    return { files: paths.length, changed };
  } catch (error) {
    throw isBusyError(error) ? new Error(BUSY_MESSAGE) : error;
  } finally {
    // An abort keeps what was written (whole files); after a failed write there is nothing left to commit.
    if (store.inTransaction) commit();
    await (pool as ExtractionPool | null)?.dispose();
  }
}
