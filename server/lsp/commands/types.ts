import type { WorkspaceEdit } from "vscode-languageserver/node";
import type { OnProgress } from "../../util/progress.js";
import type { Workspace } from "../../workspace/Workspace.js";

export interface CommandContext {
  workspace: Workspace;
  signal: AbortSignal;
  /** Reports $/progress for this command's work. */
  withProgress<T>(title: string, work: (report: OnProgress) => Promise<T>): Promise<T>;
  /** Sends workspace/applyEdit; resolves to whether the client applied it. */
  applyEdit(edit: WorkspaceEdit, label: string): Promise<boolean>;
  /** Sends window/showDocument; false when the client cannot show documents or declined. */
  showDocument(uri: string): Promise<boolean>;
  /** Sends window/showMessage (info). */
  showMessage(message: string): void;
  /** Re-reads every settings layer (after the user trusted the workspace's `.dhi.json`). */
  reloadSettings(): Promise<void>;
}

/** One `workspace/executeCommand` command; the registry in ./index.ts lists them all. */
export interface LspCommand {
  readonly id: string;
  /** `argument` is the first element of the request's `arguments`, unvalidated. */
  execute(argument: unknown, context: CommandContext): Promise<unknown>;
}
