import { isAbsolute, relative, sep } from "node:path";
import type { Settings } from "../config/schema.js";
import { languageOf } from "../syntax/index.js";
import { stepAside, type Foreground } from "../util/foreground.js";
import { errorMessage, type Logger } from "../util/logger.js";
import { releaseMemory } from "../util/releaseMemory.js";
import { isRefusal, statWorkspaceFile } from "../util/safeFiles.js";
import { runBulkUpdate } from "./bulkUpdate.js";
import { contentHash, type FileJob } from "./examineFile.js";
import { DocumentParser } from "./DocumentParser.js";
import { applyJob, changedStat, examineHere, type FileContext } from "./fileJobs.js";
import type { FileRecord, IndexStore } from "./IndexStore.js";
import type { IndexWriter } from "./IndexWriter.js";
import type { PreparedFile } from "./prepareFile.js";
import type { UpdateOptions } from "./types.js";
import { UpdateProcess } from "./UpdateProcess.js";
import { unindexableText } from "./textFilter.js";
import { exclusionMatcher } from "./walkWorkspace.js";

/**
 * From this size on an open document's re-index parses in an extraction process: on this thread a 0.95 MB
 * TypeScript file held the server for 0.7-1 s each time typing paused (bench:large-document --mb 0.95), and any
 * completion asked for meanwhile waited. Below it a parse takes tens of milliseconds, less than starting a process.
 */
export const OFF_THREAD_PARSE_BYTES = 128 * 1024;

/** Inline updates that wrote at least this many files end with a full GC (see releaseMemory). */
const RELEASE_MEMORY_AFTER_FILES = 1000;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Workspace-relative "/" path for an absolute or relative path. */
export function workspaceRelative(root: string, path: string): string {
  const r = isAbsolute(path) ? relative(root, path) : path;
  return r.split(sep).join("/").replace(/^\.\//, "");
}

export interface IndexUpdatesParts {
  root: string;
  settings: Settings;
  logger: Logger;
  store: IndexStore;
  writer: IndexWriter;
  /** Extraction processes; 0 indexes on this thread (no update process either). Defaults to one per core. */
  extractionWorkers?: number;
  /** How long the large-document parser process stays idle; defaults to DocumentParser's. */
  documentParserIdleMs?: number;
  foreground?: Foreground;
  /** A bulk commit (or a rebuild's clear) went in, removing these HNSW labels. */
  bulkWritten: (removedLabels: number[]) => void;
  /** Single-file writes went in: chunks may lack vectors. */
  filesWritten: () => void;
}

/**
 * What goes into the index and when: bulk updates (in the update process, or inline), and the single-file paths
 * of open documents (the editor's text wins over the disk) and watched files. Paths are workspace-relative.
 */
export class IndexUpdates {
  /** Open documents' text. */
  private readonly overlays = new Map<string, string>();
  /** Each open document's latest update or close, which the next one waits for. */
  private readonly documentUpdates = new Map<string, Promise<void>>();
  /** Documents whose close is queued behind their updates: those updates write nothing more. */
  private readonly closing = new Set<string>();
  /** Where files are and which are open, for the single-file paths (and the inline bulk update). */
  private readonly files: FileContext;
  /** Exclusion rules for single files; rebuilt by each bulk update so .gitignore edits take effect. */
  private excluded: (path: string) => Promise<boolean>;
  /** The bulk update running in the update process, told about documents opened and closed meanwhile. */
  private running: UpdateProcess | null = null;
  /** Where large open documents are parsed; null with no extraction processes (`extractionWorkers: 0`). */
  private readonly parser: DocumentParser | null;
  private disposed = false;

  constructor(private readonly parts: IndexUpdatesParts) {
    this.files = { root: parts.root, isOpen: (p) => this.overlays.has(p), skipped: (p, why) => this.skipped(p, why) };
    this.excluded = exclusionMatcher(parts.root, parts.settings.index.exclude);
    this.parser = parts.extractionWorkers === 0 ? null : new DocumentParser({ foreground: parts.foreground, idleMs: parts.documentParserIdleMs });
  }

  /** One bulk update (after emptying the index for a rebuild), holding the write lock throughout. */
  bulk(options: Pick<UpdateOptions, "rebuild" | "signal" | "onProgress">): Promise<void> {
    const { root, settings, store, writer, extractionWorkers, foreground } = this.parts;
    const { signal, onProgress } = options;
    const { exclude, maxFileBytes } = settings.index;
    return writer.hold(async () => {
      if (options.rebuild) this.parts.bulkWritten(writer.clear());
      this.excluded = exclusionMatcher(root, exclude);
      onProgress?.({ done: 0, total: 0, message: "Scanning workspace" });
      const onCommit = (done: number, total: number, removedLabels: number[]): void => {
        this.parts.bulkWritten(removedLabels);
        if (done > 0) onProgress?.({ done, total, message: "Indexing files" });
      };
      const bulk = { root, exclude, maxFileBytes, extractionWorkers, foreground, signal, onCommit };
      if (extractionWorkers !== 0 && UpdateProcess.available()) {
        const run = UpdateProcess.start({ ...bulk, dbFile: store.file, open: [...this.overlays.keys()] });
        this.running = run;
        try {
          await run.done;
        } finally {
          this.running = null;
        }
        return;
      }
      const { changed } = await runBulkUpdate({ ...bulk, ...this.files, store });
      // Inline, the extraction results grew this process's heap: hand that memory back now.
      if (changed >= RELEASE_MEMORY_AFTER_FILES) releaseMemory();
    });
  }

  /**
   * The editor's text of `rel` (null: the document closed and the file is gone from the index). One document's
   * updates and its close apply in the order they were asked for, also when a large text's parse in another process
   * takes longer than the next pause; an update that a later one replaced before it began is skipped.
   */
  updateFile(rel: string, text: string | null): Promise<void> {
    this.closing.delete(rel); // opened again
    return this.inOrder(rel, (superseded) => this.applyDocument(rel, text, superseded));
  }

  /** Forgets the editor's text for `rel` (document closed) and re-indexes it from disk, after its queued updates. */
  closeFile(rel: string): Promise<void> {
    if (this.documentUpdates.has(rel)) this.closing.add(rel);
    return this.inOrder(rel, () => this.applyClose(rel));
  }

  /** Runs `work` after `rel`'s earlier updates; `superseded` tells it whether another was asked for since. */
  private async inOrder(rel: string, work: (superseded: () => boolean) => Promise<void>): Promise<void> {
    const previous = this.documentUpdates.get(rel) ?? Promise.resolve();
    const superseded = (): boolean => this.documentUpdates.get(rel) !== current;
    const current: Promise<void> = previous.catch(() => undefined).then(() => work(superseded));
    this.documentUpdates.set(rel, current);
    try {
      await current;
    } finally {
      if (this.documentUpdates.get(rel) === current) {
        this.documentUpdates.delete(rel);
        this.closing.delete(rel);
      }
    }
  }

  private async applyDocument(rel: string, text: string | null, superseded: () => boolean): Promise<void> {
    const { store, writer, logger } = this.parts;
    if (this.disposed) return;
    if (text === null) {
      if (this.overlays.delete(rel)) this.documentOpen(rel, false);
      await writer.write(() => store.removeFile(rel));
      return;
    }
    if (await this.excluded(rel)) return; // e.g. a file opened from node_modules
    if (!this.overlays.has(rel)) this.documentOpen(rel, true);
    this.overlays.set(rel, text);
    // Only the latest text is parsed and written: queued behind a long parse, each typing pause would otherwise
    // parse its own copy. (The bookkeeping above stays, so a queued close finds the document open.)
    if (superseded()) return;
    if (unindexableText(text)) {
      // As from disk (examineFile): binary text or a minified bundle is no context for anyone.
      await writer.write(() => (store.getFile(rel) ? store.removeFile(rel) : []));
      return;
    }
    const hash = contentHash(text);
    const job: FileJob = { kind: "index", path: rel, text, hash, mtime: Date.now(), size: Buffer.byteLength(text) };
    let file: PreparedFile | null = null;
    if (this.parser && job.size >= OFF_THREAD_PARSE_BYTES && store.getFile(rel)?.hash !== hash) {
      try {
        file = await this.parser.parse(text, languageOf(rel));
      } catch (error) {
        // The index keeps the document's previous version.
        logger.log("warn", `dhi index: ${rel} was not re-indexed: ${errorMessage(error)}`);
        return;
      }
      // Closed meanwhile (its close re-indexes the disk's version), or the index is closing.
      if (this.closing.has(rel) || this.disposed) return;
    }
    // The write (and a small file's parse) run on the server's thread: not while a completion waits (bounded wait).
    await stepAside(this.parts.foreground);
    // Compared under the lock: edits queued behind a bulk update are written in order, and the last one wins.
    let wrote = false;
    await writer.write(() => {
      if (store.getFile(rel)?.hash === hash) return [];
      wrote = true;
      return applyJob(store, { job, file }, this.files.isOpen, false);
    });
    if (wrote) this.parts.filesWritten();
  }

  /** Stops the document parser process; document updates after this do nothing. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.parser?.dispose();
  }

  /** Re-reads files from disk: changed ones are re-indexed, deleted, ignored or unreadable ones removed. */
  async refreshFromDisk(rels: string[]): Promise<void> {
    const { store, writer, settings } = this.parts;
    const excluded = this.excluded;
    for (const rel of rels) {
      if (rel.startsWith("../") || this.overlays.has(rel)) continue;
      const known = store.getFile(rel);
      if (await excluded(rel)) {
        if (known) await writer.write(() => store.removeFile(rel));
        continue;
      }
      const job = await this.readJob(rel, known, settings.index.maxFileBytes);
      const exists = !isRefusal(statWorkspaceFile(this.parts.root, rel));
      if (job) await writer.write(() => applyJob(store, { job, file: null }, this.files.isOpen));
      else if (!exists && known) await writer.write(() => store.removeFile(rel));
      await yieldToEventLoop();
    }
    this.parts.filesWritten();
  }

  private async applyClose(rel: string): Promise<void> {
    const { store, writer, settings } = this.parts;
    if (!this.overlays.delete(rel)) return;
    this.documentOpen(rel, false);
    const job = await this.readJob(rel, undefined, settings.index.maxFileBytes);
    if (job) await writer.write(() => applyJob(store, { job, file: null }, this.files.isOpen));
    else if (isRefusal(statWorkspaceFile(this.parts.root, rel))) await writer.write(() => store.removeFile(rel));
    this.parts.filesWritten();
  }

  /**
   * Decides what one file needs: nothing (unchanged), a touch (same content, new mtime), a removal, or indexing.
   * Unreadable, binary, huge or minified files are dropped from the index, never thrown.
   */
  private async readJob(path: string, known: FileRecord | undefined, maxFileBytes: number): Promise<FileJob | null> {
    const info = await changedStat(this.files, path, known);
    return info === null ? null : examineHere(this.files, path, known, info, maxFileBytes);
  }

  private skipped(path: string, why: string): void {
    // A refusal (a link leading outside, a device, a FIFO) means an odd or hostile repository: say so.
    this.parts.logger.log(why.startsWith("dhi: refused") ? "warn" : "debug", `dhi index: skipping ${path}: ${why}`);
  }

  /** The editor opened or closed a document: a running bulk update must leave (or again take) its disk version. */
  private documentOpen(path: string, open: boolean): void {
    this.running?.setOpen(path, open);
  }
}
