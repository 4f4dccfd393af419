import { TextDocumentSyncKind, type ClientCapabilities, type ServerCapabilities } from "vscode-languageserver/node";
import { COMMAND_IDS } from "./commands/index.js";

/** The contract's code action kinds, then the user-defined actions' (an extension). */
export const DHI_CODE_ACTION_KINDS = [
  "refactor.rewrite.dhi",
  "quickfix.dhi",
  "source.dhi.doc",
  "source.dhi.tests",
  "refactor.dhi.explain",
  "refactor.dhi.custom",
  "source.dhi.agent",
] as const;

export function clientSupportsInlineCompletion(client: ClientCapabilities): boolean {
  return client.textDocument?.inlineCompletion !== undefined;
}

/** Folder changes are honoured only when the client sends them (vscode-languageserver registers the handler then). */
export function clientSupportsWorkspaceFolders(client: ClientCapabilities): boolean {
  return client.workspace?.workspaceFolders === true;
}

/** Capabilities negotiated per the contract: inline completion only for clients that advertise it. */
export function serverCapabilities(client: ClientCapabilities): ServerCapabilities {
  const capabilities: ServerCapabilities = {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
    completionProvider: { resolveProvider: false, triggerCharacters: [".", "(", "[", "{", ",", " ", "\n", ":", "=", ">"] },
    codeActionProvider: { resolveProvider: true, codeActionKinds: [...DHI_CODE_ACTION_KINDS] },
    executeCommandProvider: { commands: [...COMMAND_IDS] },
  };
  if (clientSupportsWorkspaceFolders(client)) capabilities.workspace = { workspaceFolders: { supported: true, changeNotifications: true } };
  if (clientSupportsInlineCompletion(client)) capabilities.inlineCompletionProvider = true;
  return capabilities;
}
