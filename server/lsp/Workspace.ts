import { basename, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { TextDocument } from "vscode-languageserver-textdocument";
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
import { documentLength } from "./documents/OpenDocument.js";

/**
 * The engines and features of one server, built from the current settings.
 * Engines are rebuilt only when the settings they depend on change.
 */
export class Workspace {
  private current: Settings = defaultSettings();
  private engineInstance: InferenceEngine | null = null;
  /** Set when the engine comes from a pool shared with other workspace folders. */
  private engineLease: EngineLease | null = null;
  private completionInstance: CompletionService | null = null;
  private indexPromise: Promise<CodeIndex | null> | null = null;
  private indexInstance: CodeIndex | null = null;
  private sandboxInstance: Sandbox | null = null;
  private acceptanceStore: AcceptanceStore | null | undefined = undefined;

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
    if (!isDeepStrictEqual(previous.index, next.index) && this.indexPromise) {
      const old = this.indexPromise;
      this.indexPromise = null;
      this.indexInstance = null;
      await (await old.catch(() => null))?.dispose().catch(() => undefined);
    }
  }

  get engine(): InferenceEngine {
    if (!this.engineInstance && this.engines) {
      this.engineLease = this.engines.acquire(this.current);
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

  /** The index, opened on first use; null when disabled, without a folder, or when it failed to open. */
  index(): Promise<CodeIndex | null> {
    if (!this.root || !this.current.index.enabled) return Promise.resolve(null);
    this.indexPromise ??= openIndex({ root: this.root, settings: this.current, logger: this.logger, env: this.env, foreground: this.foreground }).then(
      (index) => {
        this.indexInstance = index;
        return index;
      },
      (error: unknown) => {
        this.logger.warn(`index unavailable: ${errorMessage(error)}`);
        return null;
      },
    );
    return this.indexPromise;
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
  noteDocument(document: TextDocument, relativePath: string | null): void {
    // A document over index.maxFileBytes is no context for others (and diffing it per edit would block the thread).
    if (this.isLarge(document)) return;
    if (relativePath) this.completion.noteDocument(document.uri, relativePath, document.getText());
  }

  /** Over index.maxFileBytes: not indexed, no retrieval, no recent-files context. (Never builds the text.) */
  isLarge(document: TextDocument): boolean {
    return documentLength(document) > this.current.index.maxFileBytes;
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
      this.indexPromise?.then((index) => index?.dispose()),
    ]);
  }
}
