import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { AcceptanceStore } from "../completion/AcceptanceStore.js";
import { CompletionService } from "../completion/CompletionService.js";
import type { RequestSpeculation } from "../completion/types.js";
import type { Settings } from "../config/schema.js";
import { defaultSettings } from "../config/schema.js";
import { createInferenceEngine } from "../inference/createEngine.js";
import type { InferenceEngine } from "../inference/types.js";
import { openIndex } from "../index/openIndex.js";
import type { CodeIndex } from "../index/types.js";
import { createSandbox } from "../sandbox/createSandbox.js";
import type { Sandbox } from "../sandbox/types.js";
import type { Foreground } from "../util/foreground.js";
import { errorMessage, type Logger } from "../util/logger.js";
import { cacheRoot, workspaceCacheDir } from "../util/paths.js";
import type { EngineLease, EnginePool } from "./EnginePool.js";
import { NoWorkspaceFolderError } from "./errors.js";

/** The index as opened: the CodeIndex plus what `dhi index` reports (embedding state, fusion calibration). */
type OpenedIndex = Awaited<ReturnType<typeof openIndex>>;

/** The index's database in the workspace cache folder. */
const INDEX_DB = "index.db";

/** An open document as the workspace sees it (the editor's buffer; lsp/ passes its TextDocument). */
export interface EditorDocument {
  readonly uri: string;
  getText(): string;
  /** Its length, where the editor layer knows it without building the text (large documents). */
  readonly length?: number;
}

/**
 * The composition root, free of LSP: builds a workspace's engines (the inference engine, alone or from a pool
 * shared between folders, the index, the sandbox) and features (completion, acceptance counts) from resolved
 * settings, for the server (one per workspace folder) and for the CLI commands alike. Engines are built on first
 * use and rebuilt only when the settings they depend on change.
 */
export class Workspace {
  private current: Settings = defaultSettings();
  private engineInstance: InferenceEngine | null = null;
  /** Set when the engine comes from a pool shared with other workspace folders. */
  private engineLease: EngineLease | null = null;
  private completionInstance: CompletionService | null = null;
  /** The opening of the index (a rejection is kept: it is not retried until the index settings change). */
  private indexOpening: Promise<OpenedIndex> | null = null;
  private indexPromise: Promise<CodeIndex | null> | null = null;
  private indexInstance: CodeIndex | null = null;
  private sandboxInstance: Sandbox | null = null;
  private acceptanceStore: AcceptanceStore | null | undefined = undefined;
  /** A one-shot command's workspace (the CLI's): nobody is typing, so a completion waits for retrieval. */
  private oneShot = false;

  constructor(
    /** Absolute path of the first workspace folder, or null when the client opened no folder. */
    readonly root: string | null,
    readonly logger: Logger,
    readonly env: NodeJS.ProcessEnv = process.env,
    /** The editor's requests in flight, for background work to step aside. */
    private readonly foreground?: Foreground,
    /** Engines shared between workspace folders with the same model settings (the server's); none: own engine. */
    private readonly engines?: EnginePool,
  ) {}

  /** A workspace on `settings` from the start (the CLI's one-shot commands). */
  static async withSettings(root: string, settings: Settings, logger: Logger, env: NodeJS.ProcessEnv): Promise<Workspace> {
    const workspace = new Workspace(root, logger, env);
    workspace.oneShot = true;
    await workspace.applySettings(settings);
    return workspace;
  }

  get settings(): Settings {
    return this.current;
  }

  get cacheDir(): string | null {
    return this.root ? workspaceCacheDir(this.root, this.env) : null;
  }

  /** Where window answers (Explain, user actions) are written as markdown; works without a folder too. */
  get answersDir(): string {
    return join(cacheRoot(this.env), "answers");
  }

  /** Applies new settings; engines whose settings changed are disposed and rebuilt lazily. */
  async applySettings(next: Settings): Promise<void> {
    const previous = this.current;
    this.current = next;
    const engineChanged =
      !isDeepStrictEqual(previous.model, next.model) ||
      !isDeepStrictEqual(previous.backend, next.backend) ||
      previous.completion.fimLayout !== next.completion.fimLayout;
    if (engineChanged) {
      const oldCompletion = this.completionInstance;
      this.completionInstance = null;
      void oldCompletion?.dispose();
      await this.releaseEngine().catch((error: unknown) => this.logger.warn(`disposing the model failed: ${errorMessage(error)}`));
    }
    if (!isDeepStrictEqual(previous.sandbox, next.sandbox)) {
      const old = this.sandboxInstance;
      this.sandboxInstance = null;
      await old?.dispose().catch(() => undefined);
    }
    if (!isDeepStrictEqual(previous.index, next.index) && this.indexOpening) {
      const old = this.indexOpening;
      this.indexOpening = null;
      this.indexPromise = null;
      this.indexInstance = null;
      await (await old.catch(() => null))?.dispose().catch(() => undefined);
    }
  }

  get engine(): InferenceEngine {
    if (!this.engineInstance && this.engines) {
      this.engineLease = this.engines.acquire(this.current, this.logger, this.env);
      this.engineInstance = this.engineLease.engine;
    }
    this.engineInstance ??= createInferenceEngine({
      settings: this.current,
      logger: this.logger,
      env: this.env,
      repoName: this.repoName,
    });
    return this.engineInstance;
  }

  private get repoName(): string | undefined {
    return this.root ? basename(this.root) : undefined;
  }

  /** Disposes this workspace's engine, or gives a shared one back to the pool. */
  private async releaseEngine(): Promise<void> {
    const engine = this.engineInstance;
    const lease = this.engineLease;
    this.engineInstance = null;
    this.engineLease = null;
    await (lease ? lease.release() : engine?.dispose());
  }

  get completion(): CompletionService {
    this.completionInstance ??= new CompletionService({
      engine: this.engine,
      getSettings: () => this.current.completion,
      index: () => this.indexInstance,
      repoName: this.repoName,
      logger: this.logger,
      maxDocumentLength: () => this.current.index.maxFileBytes,
      // A one-shot answer does not depend on the machine's load; a keystroke's waits at most 80 ms.
      retrievalTimeoutMs: this.oneShot ? null : undefined,
    });
    return this.completionInstance;
  }

  /** Request-path counters (budget hits, cache hits) of this workspace's completions so far; zeros before any. */
  completionBudgetHits(): number {
    return this.completionInstance?.metrics().budgetHits ?? 0;
  }

  /** Why the last completion showed nothing (prompt context, tokens), when the completion service exists. */
  lastDiscarded(): CompletionService["lastDiscarded"] {
    return this.completionInstance?.lastDiscarded ?? null;
  }

  /** The index, opened on first use; null when disabled, without a folder, or when it failed to open (logged once). */
  index(): Promise<CodeIndex | null> {
    if (!this.root || !this.current.index.enabled) return Promise.resolve(null);
    this.indexPromise ??= this.openIndex().catch((error: unknown) => {
      this.logger.warn(`index unavailable: ${errorMessage(error)}`);
      return null;
    });
    return this.indexPromise;
  }

  /** The index, opened on first use whatever `index.enabled` says (`dhi index`, `dhi search`); rejects when it cannot open. */
  openIndex(): Promise<OpenedIndex> {
    if (!this.root) return Promise.reject(new NoWorkspaceFolderError("the index"));
    this.indexOpening ??= openIndex({ root: this.root, settings: this.current, logger: this.logger, env: this.env, foreground: this.foreground }).then((index) => {
      this.indexInstance = index;
      return index;
    });
    return this.indexOpening;
  }

  /** The index only when one was built before (`dhi complete` reads it as it is and never creates one). */
  existingIndex(): Promise<CodeIndex | null> {
    const cacheDir = this.cacheDir;
    return cacheDir && existsSync(join(cacheDir, INDEX_DB)) ? this.index() : Promise.resolve(null);
  }

  get sandbox(): Sandbox {
    this.sandboxInstance ??= createSandbox({
      settings: this.current.sandbox,
      logger: this.logger,
      cacheDir: this.cacheDir ?? workspaceCacheDir(process.cwd(), this.env),
      env: this.env,
    });
    return this.sandboxInstance;
  }

  /** Persistent acceptance counts (for `dhi doctor --json`); null without a workspace or when SQLite fails. */
  private get acceptance(): AcceptanceStore | null {
    if (this.acceptanceStore === undefined) {
      try {
        this.acceptanceStore = this.cacheDir ? AcceptanceStore.inCacheDir(this.cacheDir) : null;
      } catch (error) {
        this.logger.warn(`acceptance statistics unavailable: ${errorMessage(error)}`);
        this.acceptanceStore = null;
      }
    }
    return this.acceptanceStore;
  }

  /** `speculation` is the decoding behind a fresh generation (none for cache hits), kept for `dhi doctor --json`. */
  completionShown(id: string, speculation?: RequestSpeculation): void {
    this.completionInstance?.shown(id);
    this.acceptance?.shown(id);
    if (speculation) this.acceptance?.speculation(speculation);
  }

  completionAccepted(id: string): void {
    this.completionInstance?.accepted(id);
    this.acceptance?.accepted(id);
  }

  completionPartiallyAccepted(id: string, acceptedLength: number): void {
    this.completionInstance?.partiallyAccepted(id);
    this.acceptance?.partiallyAccepted(id, acceptedLength);
  }

  /** Keeps the completion ring buffer in step with an open document's in-memory text. */
  noteDocument(document: EditorDocument, relativePath: string | null): void {
    // A document over index.maxFileBytes is no context for others (and diffing it per edit would block the thread).
    if (this.isLarge(document)) return;
    if (relativePath) this.completion.noteDocument(document.uri, relativePath, document.getText());
  }

  /** A document was opened: once the editor is idle, its recent-files context is evaluated ahead of its first completion. */
  documentOpened(document: EditorDocument, relativePath: string | null): void {
    if (this.isLarge(document) || !relativePath) return;
    this.completion.schedulePrefill(document.uri, relativePath, document.getText());
  }

  /** Over index.maxFileBytes: not indexed, no retrieval, no recent-files context. (Never builds a large text.) */
  isLarge(document: EditorDocument): boolean {
    return (document.length ?? document.getText().length) > this.current.index.maxFileBytes;
  }

  forgetDocument(uri: string): void {
    this.completionInstance?.forgetDocument(uri);
  }

  async dispose(): Promise<void> {
    this.completionInstance?.dispose();
    this.acceptanceStore?.close();
    await Promise.allSettled([
      this.releaseEngine(),
      this.sandboxInstance?.dispose(),
      this.indexOpening?.then((index) => index.dispose()),
    ]);
  }
}
