import {
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  MessageType,
  ResponseError,
  ErrorCodes,
  TextDocuments,
  type ClientCapabilities,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type FileEvent,
  type WorkspaceFolder,
} from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { OPEN_DOCUMENTS } from "./documents/OpenDocument.js";
import { completionSpan, inDocument } from "./documents/completionSpan.js";
import { ZodError } from "zod";
import { WORKSPACE_SETTINGS_FILE } from "../config/loadSettings.js";
import type { ContextPiece } from "../completion/types.js";
import { version } from "../util/version.js";
import { BackendError, FimUnsupportedError, ModelNotConfiguredError, ModelNotFoundError } from "../inference/errors.js";
import { isAbortError } from "../util/abort.js";
import { ForegroundWork } from "../util/foreground.js";
import { errorMessage, Logger, type LogLevel } from "../util/logger.js";
import { setRefusalLog } from "../util/safeFiles.js";
import type { OnProgress } from "../util/progress.js";
import { reportInterruptedRuns } from "./agentRecovery.js";
import { cancellable, cancelledError } from "./cancellation.js";
import { clientSupportsWorkspaceFolders, serverCapabilities } from "./capabilities.js";
import { provideCodeActions, resolveCodeAction } from "./codeActionHandlers.js";
import { COMMAND_IDS, COMMANDS } from "./commands/index.js";
import type { CommandContext } from "./commands/types.js";
import { toCompletionList, toInlineCompletionItems } from "./completionHandlers.js";
import { uriToPath, workspaceRelativePath } from "./documentPaths.js";
import { shareOpenDocuments } from "./editorBuffers.js";
import { HealthProbe } from "./health.js";
import { pathToFileURL } from "node:url";
import { IndexSync } from "./IndexSync.js";
import { withProgress } from "./progress.js";
import { configurationItem, resolveFolderSettings } from "./folderSettings.js";
import { combineIndexStates, STATUS_NOTIFICATION, StatusReporter } from "./status.js";
import { Workspace } from "../workspace/Workspace.js";
import { EnginePool } from "../workspace/EnginePool.js";
import { UnknownFolderError, WorkspaceFolders } from "./WorkspaceFolders.js";
import type { RequestArrivals } from "./protocol/RequestArrivals.js";

const LOG_MESSAGE_TYPE: Record<LogLevel, MessageType> = {
  error: MessageType.Error,
  warn: MessageType.Warning,
  info: MessageType.Info,
  debug: MessageType.Log,
};

/** What the server keeps per workspace folder (and once for files outside every folder). */
interface FolderParts {
  workspace: Workspace;
  indexSync: IndexSync;
  /** Resolves once this folder's settings were first read (requests wait for it). */
  settingsLoaded: Promise<void>;
  markSettingsLoaded: () => void;
  /** Stops the agent of this folder reading the editor's open documents. */
  unshareDocuments: () => void;
}

/** The one place that binds protocol handlers to features. */
export class DhiServer {
  private readonly documents = new TextDocuments(OPEN_DOCUMENTS);
  private readonly logger = new Logger();
  private readonly folders: WorkspaceFolders<FolderParts>;
  private initializedDone = false;
  private lastCompletion: { folder: string | null; uri: string; id: string | null; context: ContextPiece[]; tokens: Record<string, number> } | null = null;
  private client: ClientCapabilities = {};
  private initializationOptions: unknown = undefined;
  private readonly shownMessages = new Set<string>();
  /** Completions and code actions in flight: indexing steps aside while they run. */
  private readonly foreground = new ForegroundWork();
  /** Resource use for `dhi/internal/health` (soak runs). */
  private readonly health = new HealthProbe();
  /** One model per distinct model configuration, shared by the folders that use it. */
  private readonly engines = new EnginePool();
  /** `dhi/status`: model and index state, last latency and speed, budget hits. */
  private readonly status = new StatusReporter((status) => void this.connection.sendNotification(STATUS_NOTIFICATION, status).catch(() => undefined));

  constructor(
    private readonly connection: Connection,
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** When completion requests were read off the wire (the transport notes them); absent, records start at the handler. */
    private readonly arrivals?: RequestArrivals,
  ) {
    this.folders = new WorkspaceFolders<FolderParts>(
      (root) => this.createFolder(root),
      async ({ workspace, indexSync, unshareDocuments }) => {
        unshareDocuments();
        indexSync.dispose();
        await workspace.dispose();
      },
    );
  }

  private createFolder(root: string | null): FolderParts {
    const workspace = new Workspace(root, this.logger, this.env, this.foreground, this.engines);
    const indexSync = new IndexSync(() => workspace, (uri) => this.documents.get(uri) !== undefined, () => this.indexStateChanged());
    let markSettingsLoaded: () => void = () => {};
    const settingsLoaded = new Promise<void>((resolve) => {
      markSettingsLoaded = resolve;
      setTimeout(resolve, 2000).unref(); // a silent client can't stall requests
    });
    // The agent reads open documents from the editor's text, never a stale disk copy.
    const unshareDocuments = root ? shareOpenDocuments(root, this.documents) : () => {};
    return { workspace, indexSync, settingsLoaded, markSettingsLoaded, unshareDocuments };
  }

  listen(): void {
    const { connection } = this;
    this.logger.addSink((level, message) => {
      void connection.sendNotification("window/logMessage", { type: LOG_MESSAGE_TYPE[level], message }).catch(() => undefined);
    });
    setRefusalLog((line) => this.logger.warn(line));
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => void this.initialized());
    connection.onShutdown(() => {
      this.status.dispose();
      return this.folders.disposeAll();
    });
    connection.onDidChangeConfiguration(() => void this.reloadSettings());
    connection.onDidChangeWatchedFiles((params) => {
      const byFolder = new Map<FolderParts, FileEvent[]>();
      for (const change of params.changes) {
        const parts = this.folders.forDocument(change.uri);
        byFolder.set(parts, [...(byFolder.get(parts) ?? []), change]);
      }
      const settingsChanged = [...byFolder].filter(([, changes]) => changes.some((change) => change.uri.endsWith(`/${WORKSPACE_SETTINGS_FILE}`)));
      if (settingsChanged.length > 0) void this.reloadSettings(settingsChanged.map(([parts]) => parts));
      for (const [parts, changes] of byFolder) parts.indexSync.watchedFilesChanged(changes);
    });

    this.documents.onDidClose(({ document }) => {
      const { workspace, indexSync } = this.folders.forDocument(document.uri);
      workspace.forgetDocument(document.uri);
      indexSync.documentClosed(document);
    });
    this.documents.onDidOpen(({ document }) => {
      const { workspace } = this.folders.forDocument(document.uri);
      workspace.documentOpened(document, workspaceRelativePath(workspace.root, document.uri));
    });
    this.documents.onDidChangeContent(({ document }) => {
      const { workspace, indexSync } = this.folders.forDocument(document.uri);
      workspace.noteDocument(document, workspaceRelativePath(workspace.root, document.uri));
      indexSync.documentChanged(document);
    });

    connection.onCompletion((params, token) =>
      cancellable(token, async (signal) => {
        const document = this.documents.get(params.textDocument.uri);
        if (!document) return { isIncomplete: false, items: [] };
        const result = await this.runCompletion("textDocument/completion", document, params.position, signal);
        return toCompletionList(document, result);
      }),
    );
    connection.languages.inlineCompletion.on((params, token) =>
      cancellable(token, async (signal) => {
        const document = this.documents.get(params.textDocument.uri);
        if (!document) return [];
        const result = await this.runCompletion("textDocument/inlineCompletion", document, params.position, signal);
        return toInlineCompletionItems(document, result);
      }),
    );

    connection.onCodeAction((params) => provideCodeActions(params, this.documents.get(params.textDocument.uri), this.folders.forDocument(params.textDocument.uri).workspace));
    connection.onCodeActionResolve((action, token) => cancellable(token, (signal) => this.foreground.run(() => {
      const workspace = this.workspaceOfAction(action.data);
      return this.status.whileModelLoads(workspace.engine, () => resolveCodeAction(action, this.documents, workspace, signal, (title, work) => this.withProgress(title, work)));
    })));

    // Debug extension: the server's view of a document, so tests can check incremental sync byte for byte.
    connection.onRequest("dhi/internal/documentText", (params: { uri: string }) => this.documents.get(params.uri)?.getText() ?? null);
    connection.onRequest("dhi/internal/health", () => {
      // Folders with the same model share one engine: count each loaded engine's sequences once.
      const engines = new Set(this.folders.all().map((parts) => parts.workspace.engine).filter((engine) => engine.loaded));
      const sequences = [...engines].reduce<number | null>((sum, engine) => {
        const open = engine.openSequences?.();
        return open === undefined ? sum : (sum ?? 0) + open;
      }, null);
      return this.health.report(sequences);
    });
    // Debug extension: the folder and prompt context records of the last completion shown (as `dhi complete --json` prints them).
    connection.onRequest("dhi/internal/lastCompletion", () => this.lastCompletion);

    connection.onExecuteCommand((params, token) =>
      cancellable(token, async (signal) => {
        const command = COMMANDS.find((c) => c.id === params.command);
        if (!command) {
          throw new ResponseError(ErrorCodes.InvalidParams, `dhi: unknown command "${params.command}"; the commands are ${COMMAND_IDS.join(", ")}`);
        }
        let workspace: Workspace;
        try {
          workspace = this.commandWorkspace(params.command, params.arguments?.[0]);
        } catch (error) {
          throw new ResponseError(ErrorCodes.InvalidParams, errorMessage(error));
        }
        const context: CommandContext = {
          workspace,
          signal,
          withProgress: (title, work) => this.withProgress(title, work),
          applyEdit: async (edit, label) => {
            if (!this.client.workspace?.applyEdit) throw new Error("dhi: this client cannot apply workspace edits (workspace.applyEdit is not supported)");
            const result = await connection.workspace.applyEdit({ label, edit });
            return result.applied;
          },
          showDocument: async (uri) => {
            if (!this.client.window?.showDocument?.support) return false;
            const result = await connection.window.showDocument({ uri, takeFocus: true });
            return result.success;
          },
          showMessage: (message) => void connection.sendNotification("window/showMessage", { type: MessageType.Info, message }).catch(() => undefined),
          reloadSettings: () => this.reloadSettings(),
        };
        try {
          return await command.execute(params.arguments?.[0], context);
        } catch (error) {
          if (isAbortError(error) || signal.aborted) throw cancelledError();
          if (error instanceof ResponseError) throw error;
          if (error instanceof ZodError) {
            const issue = error.issues[0];
            throw new ResponseError(ErrorCodes.InvalidParams, `dhi: invalid arguments for ${params.command}: ${issue.path.join(".") || "argument"}: ${issue.message}`);
          }
          throw new ResponseError(ErrorCodes.InternalError, errorMessage(error));
        }
      }),
    );

    this.documents.listen(connection);
    connection.listen();
  }

  private initialize(params: InitializeParams): InitializeResult {
    this.client = params.capabilities;
    this.initializationOptions = params.initializationOptions;
    const folders = params.workspaceFolders ?? [];
    const single = params.rootUri ?? (params.rootPath ? pathToFileURL(params.rootPath).href : null);
    for (const folder of folders.length > 0 ? folders : single ? [{ uri: single, name: "root" }] : []) this.addFolder(folder);
    for (const parts of this.folders.all()) void this.applySettings(parts, undefined);
    return {
      capabilities: serverCapabilities(this.client),
      serverInfo: { name: "dhi", version: version() },
    };
  }

  private async initialized(): Promise<void> {
    const { connection } = this;
    if (this.client.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: "dhi" }).catch(() => undefined);
    }
    if (this.client.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      void connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: "**/*" }] })
        .catch(() => undefined);
    }
    if (clientSupportsWorkspaceFolders(this.client)) {
      connection.workspace.onDidChangeWorkspaceFolders(({ added, removed }) => void this.changeFolders(added, removed));
    }
    await this.reloadSettings();
    this.initializedDone = true;
    this.status.update({}); // the first status: nothing loaded yet
    for (const { parts } of this.folders.entries()) {
      reportInterruptedRuns(parts.workspace, (message) => this.notifyOnce(MessageType.Warning, message));
      this.startIndexing(parts);
    }
  }

  /** `workspace/didChangeWorkspaceFolders`: removed folders are disposed, added ones get settings and an index. */
  private async changeFolders(added: WorkspaceFolder[], removed: WorkspaceFolder[]): Promise<void> {
    for (const folder of removed) {
      try {
        await this.folders.remove(folder.uri);
        this.logger.info(`workspace folder removed: ${folder.uri}`);
        this.indexStateChanged();
      } catch (error) {
        if (!(error instanceof UnknownFolderError)) throw error;
        this.notifyOnce(MessageType.Warning, error.message);
      }
    }
    const fresh = added.map((folder) => this.addFolder(folder)).filter((parts): parts is FolderParts => parts !== null);
    if (fresh.length === 0) return;
    await this.reloadSettings(fresh);
    for (const parts of fresh) this.startIndexing(parts);
  }

  private addFolder(folder: WorkspaceFolder): FolderParts | null {
    try {
      const entry = this.folders.add(folder);
      this.logger.info(`workspace folder: ${entry.root}`);
      return entry.parts;
    } catch (error) {
      if (!(error instanceof UnknownFolderError)) throw error;
      this.notifyOnce(MessageType.Warning, error.message);
      return null;
    }
  }

  private indexStateChanged(): void {
    this.status.update({ index: combineIndexStates(this.folders.entries().map((entry) => entry.parts.indexSync.state)) });
  }

  private startIndexing(parts: FolderParts): void {
    if (this.initializedDone) void parts.indexSync.initialBuild((title, work) => this.withProgress(title, work));
  }

  /** The workspace a command runs in: the folder its `uri`/`uris` argument names, else the first folder. */
  private commandWorkspace(command: string, argument: unknown): Workspace {
    const id = typeof argument === "object" && argument !== null ? (argument as { id?: unknown }).id : undefined;
    if (command.startsWith("dhi.completion.") && typeof id === "string") return this.folders.completionOwner(id);
    return this.folders.forArgument(argument).workspace;
  }

  /** The workspace of the document a code action was listed for. */
  private workspaceOfAction(data: unknown): Workspace {
    const uri = typeof data === "object" && data !== null ? (data as { uri?: unknown }).uri : undefined;
    return typeof uri === "string" ? this.folders.forDocument(uri).workspace : this.folders.first().workspace;
  }

  /** Re-reads `.dhi.json`, initializationOptions and workspace/configuration (later wins), per folder. */
  private async reloadSettings(targets: FolderParts[] = this.folders.all()): Promise<void> {
    const clientValues: unknown[] = [];
    if (this.client.workspace?.configuration) {
      try {
        clientValues.push(...((await this.connection.workspace.getConfiguration(targets.map((parts) => configurationItem(parts.workspace.root)))) as unknown[]));
      } catch (error) {
        this.logger.debug(`workspace/configuration failed: ${errorMessage(error)}`);
      }
    }
    await Promise.all(targets.map(async (parts, i) => {
      await this.applySettings(parts, clientValues[i]);
      parts.markSettingsLoaded();
    }));
  }

  private async applySettings(parts: FolderParts, clientValues: unknown): Promise<void> {
    const resolved = resolveFolderSettings(parts.workspace.root, this.initializationOptions, clientValues, this.env);
    for (const warning of resolved.warnings) this.notifyOnce(MessageType.Warning, warning);
    for (const error of resolved.errors) this.notifyOnce(MessageType.Error, error);
    await parts.workspace.applySettings(resolved.settings);
  }

  /** Shows a message once per distinct text, so a broken setup never spams the user. */
  private notifyOnce(type: MessageType, message: string): void {
    const level: LogLevel = type === MessageType.Error ? "error" : type === MessageType.Warning ? "warn" : "info";
    this.logger.log(level, message);
    if (this.shownMessages.has(message)) return;
    this.shownMessages.add(message);
    void this.connection.sendNotification("window/showMessage", { type, message }).catch(() => undefined);
  }

  private withProgress<T>(title: string, work: (report: OnProgress) => Promise<T>): Promise<T> {
    return withProgress(this.connection, this.client.window?.workDoneProgress === true, title, work);
  }

  /** Completes in the document's folder (or without retrieval outside every folder); counts the completion shown there. */
  private async runCompletion(method: string, document: TextDocument, position: { line: number; character: number }, signal: AbortSignal) {
    const parts = this.folders.forDocument(document.uri);
    const waited: Record<string, number> = {};
    const arrived = performance.now();
    // From the request being read to this handler: earlier messages' handlers (a didOpen's), the connection's queue.
    const readAt = this.arrivals?.take(method, document.uri, position);
    if (readAt != null) waited.dispatch = arrived - readAt;
    await parts.settingsLoaded;
    waited.settings = performance.now() - arrived;
    const { workspace } = parts;
    if (!workspace.settings.completion.enabled) return null;
    const result = await this.foreground.run(() => this.completeAt(workspace, document, position, signal, waited));
    const budgetHits = this.folders.all().reduce((sum, parts) => sum + parts.workspace.completionBudgetHits(), 0);
    if (budgetHits > 0) this.status.update({ budgetHits });
    if (result) {
      // A cache hit is a served completion too: its latency counts; its speed does not (nothing was generated).
      this.status.completionServed(result.debug.timings.requestMs ?? 0, result.cached ? 0 : result.debug.tokens.generated ?? 0, result.cached ? 0 : result.debug.timings.modelMs ?? 0);
      for (const { id } of [result, ...(result.alternatives ?? [])]) this.folders.rememberCompletion(id, workspace);
      workspace.completionShown(result.id, result.cached ? undefined : result.debug.speculation);
    }
    const debug = result?.debug ?? workspace.lastDiscarded();
    this.lastCompletion = { folder: workspace.root, uri: document.uri, id: result?.id ?? null, context: debug?.context ?? [], tokens: debug?.tokens ?? {} };
    return result;
  }

  private async completeAt(workspace: Workspace, document: TextDocument, position: { line: number; character: number }, signal: AbortSignal, waited: Record<string, number>) {
    const path = workspaceRelativePath(workspace.root, document.uri) ?? uriToPath(document.uri) ?? document.uri;
    try {
      const engine = workspace.engine;
      if (!engine.loaded) {
        this.status.update({ model: "loading", message: "dhi: loading the model" });
        const loading = performance.now();
        await this.withProgress("dhi: loading model", (report) => engine.load({ signal, onProgress: (p) => report({ message: p.message, percentage: Math.round(p.fraction * 100) }) }));
        waited.load = performance.now() - loading;
      }
      this.status.update({ model: "ready", message: undefined });
      const span = completionSpan(document, document.offsetAt(position), workspace.settings.index.maxFileBytes);
      const { text, offset, documentLength } = span;
      const result = await workspace.completion.complete({ waited, uri: document.uri, path, languageId: document.languageId, text, offset, documentLength, signal });
      return inDocument(result, span);
    } catch (error) {
      if (isAbortError(error) || signal.aborted) throw error;
      if (
        error instanceof ModelNotConfiguredError ||
        error instanceof ModelNotFoundError ||
        error instanceof FimUnsupportedError ||
        error instanceof BackendError
      ) {
        this.notifyOnce(MessageType.Error, error.message);
        this.status.update({ model: "error", message: error.message });
        return null;
      }
      this.logger.error(`completion failed: ${errorMessage(error)}`);
      return null;
    }
  }
}
