import { readFile } from "node:fs/promises";
import { FileChangeType, type FileEvent } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { isAbortError } from "../util/abort.js";
import { errorMessage } from "../util/logger.js";
import type { OnProgress } from "../util/progress.js";
import { uriToPath, workspaceRelativePath } from "./documentPaths.js";
import type { Workspace } from "./Workspace.js";

/** How long typing must pause before an open document is re-indexed from its in-memory text. */
const REINDEX_DEBOUNCE_MS = 300;

/** Keeps the index fresh: initial background build, debounced re-index of open documents, watched-file events. */
export class IndexSync {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly controller = new AbortController();

  constructor(
    private readonly workspace: () => Workspace,
    private readonly isOpen: (uri: string) => boolean,
  ) {}

  /** Builds or updates the whole index in the background; never throws. */
  async initialBuild(withProgress: <T>(title: string, work: (report: OnProgress) => Promise<T>) => Promise<T>): Promise<void> {
    const workspace = this.workspace();
    const index = await workspace.index();
    if (!index) return;
    try {
      const stats = await withProgress("dhi: indexing", (report) =>
        index.update({
          signal: this.controller.signal,
          onProgress: (p) => report({ message: `${p.message} (${p.done}/${p.total})`, percentage: p.total ? Math.round((100 * p.done) / p.total) : 0 }),
        }),
      );
      workspace.logger.info(`index ready: ${stats.files} files, ${stats.chunks} chunks, ${stats.symbols} symbols, ${stats.embeddings} embeddings in ${stats.seconds.toFixed(1)} s`);
    } catch (error) {
      if (!isAbortError(error)) workspace.logger.warn(`indexing failed: ${errorMessage(error)}`);
    }
  }

  documentChanged(document: TextDocument): void {
    const workspace = this.workspace();
    const path = workspaceRelativePath(workspace.root, document.uri);
    if (!path) return;
    clearTimeout(this.timers.get(document.uri));
    this.timers.set(
      document.uri,
      setTimeout(() => {
        this.timers.delete(document.uri);
        void this.update(path, document.getText());
      }, REINDEX_DEBOUNCE_MS),
    );
  }

  watchedFilesChanged(changes: FileEvent[]): void {
    const workspace = this.workspace();
    for (const change of changes) {
      // An open document's in-memory text wins over the disk.
      if (this.isOpen(change.uri)) continue;
      const path = workspaceRelativePath(workspace.root, change.uri);
      const absolute = uriToPath(change.uri);
      if (!path || !absolute) continue;
      if (change.type === FileChangeType.Deleted) void this.update(path, null);
      else
        void readFile(absolute, "utf8").then(
          (text) => this.update(path, text),
          () => this.update(path, null),
        );
    }
  }

  private async update(path: string, text: string | null): Promise<void> {
    const workspace = this.workspace();
    try {
      const index = await workspace.index();
      await index?.updateFile(path, text);
    } catch (error) {
      workspace.logger.warn(`re-indexing ${path} failed: ${errorMessage(error)}`);
    }
  }

  dispose(): void {
    this.controller.abort();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
