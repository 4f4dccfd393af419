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
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { ZodError } from "zod";
import { readWorkspaceSettingsFile, WORKSPACE_SETTINGS_FILE } from "../config/loadSettings.js";
import { resolveSettings, type SettingsLayer } from "../config/resolveSettings.js";
import { version } from "../cli/main.js";
import { BackendError, FimUnsupportedError, ModelNotConfiguredError, ModelNotFoundError } from "../inference/errors.js";
import { isAbortError } from "../util/abort.js";
import { ForegroundWork } from "../util/foreground.js";
import { errorMessage, Logger, type LogLevel } from "../util/logger.js";
import type { OnProgress } from "../util/progress.js";
import { cancellable, cancelledError } from "./cancellation.js";
import { serverCapabilities } from "./capabilities.js";
import { provideCodeActions, resolveCodeAction } from "./codeActionHandlers.js";
import { COMMAND_IDS, COMMANDS } from "./commands/index.js";
import type { CommandContext } from "./commands/types.js";
import { toCompletionList, toInlineCompletionItems } from "./completionHandlers.js";
import { uriToPath, workspaceRelativePath } from "./documentPaths.js";
import { IndexSync } from "./IndexSync.js";
import { withProgress } from "./progress.js";
import { Workspace } from "./Workspace.js";

const LOG_MESSAGE_TYPE: Record<LogLevel, MessageType> = {
  error: MessageType.Error,
  warn: MessageType.Warning,
  info: MessageType.Info,
  debug: MessageType.Log,
};

/** The one place that binds protocol handlers to features. */
export class DhiServer {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly logger = new Logger();
  private workspace: Workspace = new Workspace(null, this.logger);
  private client: ClientCapabilities = {};
  private initializationOptions: unknown = undefined;
  private readonly shownMessages = new Set<string>();
  /** Resolves once the client's workspace/configuration has been read after `initialized`. */
  private settingsReady: Promise<void> = Promise.resolve();
  private markSettingsReady: () => void = () => {};
  /** Completions and code actions in flight: indexing steps aside while they run. */
  private readonly foreground = new ForegroundWork();
  private readonly indexSync = new IndexSync(
    () => this.workspace,
    (uri) => this.documents.get(uri) !== undefined,
  );

  constructor(private readonly connection: Connection, private readonly env: NodeJS.ProcessEnv = process.env) {}

  listen(): void {
    const { connection } = this;
    this.logger.addSink((level, message) => {
      void connection.sendNotification("window/logMessage", { type: LOG_MESSAGE_TYPE[level], message }).catch(() => undefined);
    });
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => void this.initialized());
    connection.onShutdown(async () => {
      this.indexSync.dispose();
      await this.workspace.dispose();
    });
    connection.onDidChangeConfiguration(() => void this.reloadSettings());
    connection.onDidChangeWatchedFiles((params) => {
      if (params.changes.some((change) => change.uri.endsWith(`/${WORKSPACE_SETTINGS_FILE}`))) void this.reloadSettings();
      this.indexSync.watchedFilesChanged(params.changes);
    });

    this.documents.onDidClose(({ document }) => {
      this.workspace.forgetDocument(document.uri);
      this.indexSync.documentClosed(document);
    });
    this.documents.onDidChangeContent(({ document }) => {
      this.workspace.noteDocument(document, workspaceRelativePath(this.workspace.root, document.uri));
      this.indexSync.documentChanged(document);
    });

    connection.onCompletion((params, token) =>
      cancellable(token, async (signal) => {
        const document = this.documents.get(params.textDocument.uri);
        if (!document || !this.workspace.settings.completion.enabled) return { isIncomplete: false, items: [] };
        const result = await this.runCompletion(document, params.position, signal);
        if (result) this.workspace.completionShown(result.id, result.cached ? undefined : result.debug.speculation);
        return toCompletionList(document, result);
      }),
    );
    connection.languages.inlineCompletion.on((params, token) =>
      cancellable(token, async (signal) => {
        const document = this.documents.get(params.textDocument.uri);
        if (!document || !this.workspace.settings.completion.enabled) return [];
        const result = await this.runCompletion(document, params.position, signal);
        if (result) this.workspace.completionShown(result.id, result.cached ? undefined : result.debug.speculation);
        return toInlineCompletionItems(document, result);
      }),
    );

    connection.onCodeAction((params) => provideCodeActions(params, this.documents.get(params.textDocument.uri), this.workspace));
    connection.onCodeActionResolve((action, token) => cancellable(token, (signal) => this.foreground.run(() =>
      resolveCodeAction(action, this.documents, this.workspace, signal, (title, work) => this.withProgress(title, work)))));

    // Debug extension: the server's view of a document, so tests can check incremental sync byte for byte.
    connection.onRequest("dhi/internal/documentText", (params: { uri: string }) => this.documents.get(params.uri)?.getText() ?? null);

    connection.onExecuteCommand((params, token) =>
      cancellable(token, async (signal) => {
        const command = COMMANDS.find((c) => c.id === params.command);
        if (!command) {
          throw new ResponseError(ErrorCodes.InvalidParams, `dhi: unknown command "${params.command}"; the commands are ${COMMAND_IDS.join(", ")}`);
        }
        const context: CommandContext = {
          workspace: this.workspace,
          signal,
          withProgress: (title, work) => this.withProgress(title, work),
          applyEdit: async (edit, label) => {
            if (!this.client.workspace?.applyEdit) throw new Error("dhi: this client cannot apply workspace edits (workspace.applyEdit is not supported)");
            const result = await connection.workspace.applyEdit({ label, edit });
            return result.applied;
          },
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
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? null;
    const root = folder ? uriToPath(folder) : params.rootPath ?? null;
    this.workspace = new Workspace(root, this.logger, this.env, this.foreground);
    void this.applyLayers([]);
    // Requests that depend on settings wait for the client's configuration (bounded, so a silent client can't stall us).
    this.settingsReady = new Promise<void>((resolve) => {
      this.markSettingsReady = resolve;
      setTimeout(resolve, 2000).unref();
    });
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
    await this.reloadSettings();
    this.markSettingsReady();
    void this.indexSync.initialBuild((title, work) => this.withProgress(title, work));
  }

  /** Re-reads `.dhi.json`, initializationOptions and workspace/configuration (later wins). */
  private async reloadSettings(): Promise<void> {
    const layers: SettingsLayer[] = [];
    if (this.client.workspace?.configuration) {
      try {
        const [values] = (await this.connection.workspace.getConfiguration([{ section: "dhi" }])) as unknown[];
        if (values !== null && values !== undefined) layers.push({ source: "workspace/configuration", values });
      } catch (error) {
        this.logger.debug(`workspace/configuration failed: ${errorMessage(error)}`);
      }
    }
    await this.applyLayers(layers);
  }

  private async applyLayers(clientLayers: SettingsLayer[]): Promise<void> {
    const layers: SettingsLayer[] = [];
    const root = this.workspace.root;
    const problems: string[] = [];
    if (root) {
      const { layer, error } = readWorkspaceSettingsFile(root);
      if (layer) layers.push(layer);
      if (error) problems.push(error);
    }
    if (this.initializationOptions !== undefined) layers.push({ source: "initializationOptions", values: this.initializationOptions });
    layers.push(...clientLayers);
    const resolved = resolveSettings(layers, this.env);
    for (const warning of resolved.warnings) this.notifyOnce(MessageType.Warning, warning);
    for (const error of [...problems, ...resolved.errors]) this.notifyOnce(MessageType.Error, error);
    await this.workspace.applySettings(resolved.settings);
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

  private runCompletion(document: TextDocument, position: { line: number; character: number }, signal: AbortSignal) {
    return this.foreground.run(() => this.completeAt(document, position, signal));
  }

  private async completeAt(document: TextDocument, position: { line: number; character: number }, signal: AbortSignal) {
    await this.settingsReady;
    const workspace = this.workspace;
    const path = workspaceRelativePath(workspace.root, document.uri) ?? uriToPath(document.uri) ?? document.uri;
    try {
      const engine = workspace.engine;
      if (!engine.loaded) await this.withProgress("dhi: loading model", (report) => engine.load({ signal, onProgress: (p) => report({ message: p.message, percentage: Math.round(p.fraction * 100) }) }));
      return await workspace.completion.complete({
        uri: document.uri,
        path,
        languageId: document.languageId,
        text: document.getText(),
        offset: document.offsetAt(position),
        signal,
      });
    } catch (error) {
      if (isAbortError(error) || signal.aborted) throw error;
      if (
        error instanceof ModelNotConfiguredError ||
        error instanceof ModelNotFoundError ||
        error instanceof FimUnsupportedError ||
        error instanceof BackendError
      ) {
        this.notifyOnce(MessageType.Error, error.message);
        return null;
      }
      this.logger.error(`completion failed: ${errorMessage(error)}`);
      return null;
    }
  }
}
