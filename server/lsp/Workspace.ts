import { basename } from "node:path";
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
import { workspaceCacheDir } from "../util/paths.js";

/**
 * The engines and features of one server, built from the current settings.
 * Engines are rebuilt only when the settings they depend on change.
 */
export class Workspace {
  private current: Settings = defaultSettings();
  private engineInstance: InferenceEngine | null = null;
  private completionInstance: CompletionService | null = null;
  private indexPromise: Promise<CodeIndex | null> | null = null;
  private indexInstance: CodeIndex | null = null;
  private sandboxInstance: Sandbox | null = null;
  private acceptanceStore: AcceptanceStore | null | undefined = undefined;

  constructor(
    /** Absolute path of the first workspace folder, or null when the client opened no folder. */
    readonly root: string | null,
    readonly logger: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** The editor's requests in flight, for background work to step aside. */
    private readonly foreground?: Foreground,
  ) {}

  get settings(): Settings {
    return this.current;
  }

  get cacheDir(): string | null {
    return this.root ? workspaceCacheDir(this.root, this.env) : null;
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
      const oldEngine = this.engineInstance;
      const oldCompletion = this.completionInstance;
      this.engineInstance = null;
      this.completionInstance = null;
      oldCompletion?.dispose();
      await oldEngine?.dispose().catch((error: unknown) => this.logger.warn(`disposing the model failed: ${errorMessage(error)}`));
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
    this.engineInstance ??= createInferenceEngine({
      settings: this.current,
      logger: this.logger,
      env: this.env,
      repoName: this.root ? basename(this.root) : undefined,
    });
    return this.engineInstance;
  }

  get completion(): CompletionService {
    this.completionInstance ??= new CompletionService({
      engine: this.engine,
      getSettings: () => this.current.completion,
      index: () => this.indexInstance,
      logger: this.logger,
    });
    return this.completionInstance;
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

  /** Keeps the completion ring buffer in step with an open document's in-memory text. */
  noteDocument(document: TextDocument, relativePath: string | null): void {
    if (relativePath) this.completion.noteDocument(document.uri, relativePath, document.getText());
  }

  forgetDocument(uri: string): void {
    this.completionInstance?.forgetDocument(uri);
  }

  async dispose(): Promise<void> {
    this.completionInstance?.dispose();
    this.acceptanceStore?.close();
    await Promise.allSettled([
      this.engineInstance?.dispose(),
      this.sandboxInstance?.dispose(),
      this.indexPromise?.then((index) => index?.dispose()),
    ]);
  }
}
