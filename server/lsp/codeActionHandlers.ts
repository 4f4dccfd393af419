import { pathToFileURL } from "node:url";
import {
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type TextDocuments,
} from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { z } from "zod";
import { CodeActionService } from "../actions/CodeActionService.js";
import { ActionRejectedError } from "../actions/errors/ActionRejectedError.js";
import { isActionKind, kindRequested, ACTION_KINDS, CUSTOM_KIND, REWRITE_KIND } from "../actions/kinds.js";
import type { ActionDiagnostic, ActionDocument, ActionEnvironment, EditPlan, FileChange } from "../actions/types.js";
import { diskFiles, type WorkspaceFiles } from "../actions/workspaceFiles.js";
import { isAbortError } from "../util/abort.js";
import { errorMessage } from "../util/logger.js";
import type { OnProgress } from "../util/progress.js";
import { uriToPath } from "./documentPaths.js";
import { spanOf, toWorkspaceEdit } from "./protocol/convert.js";
import { wellFormedDiagnostics } from "./protocol/diagnostics.js";
import { AGENT_ACTION_KIND, agentActionTitle, agentInstructionAt, runAgentAction } from "./agentCodeAction.js";
import { saveAnswer, SHOW_ANSWER_COMMAND } from "./answers.js";
import type { Workspace } from "../workspace/Workspace.js";

// The LSP edge of the AI code actions: converts ranges ⇄ offsets, carries what resolve needs in `data`,
// and pins the actions/ edit plan to document versions for protocol/convert.ts to make the WorkspaceEdit.

const service = new CodeActionService();

const PositionSchema = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
const RangeSchema = z.object({ start: PositionSchema, end: PositionSchema });
const DiagnosticDataSchema = z.object({ range: RangeSchema, message: z.string(), source: z.string().optional() });

/** What `codeAction/resolve` gets back from the client: enough to recompute the action from scratch. */
const ActionDataSchema = z.object({
  dhi: z.literal(true),
  kind: z.union([z.enum(ACTION_KINDS), z.literal(AGENT_ACTION_KIND)]),
  uri: z.string(),
  version: z.number().int(),
  range: RangeSchema,
  instruction: z.string().optional(),
  diagnostics: z.array(DiagnosticDataSchema).optional(),
  /** A user-defined action's title in `actions.custom`. */
  custom: z.string().optional(),
});
export type DhiActionData = z.infer<typeof ActionDataSchema>;

type DiagnosticData = z.infer<typeof DiagnosticDataSchema>;

export type WithProgress = <T>(title: string, work: (report: OnProgress) => Promise<T>) => Promise<T>;

function toActionDiagnostic(document: TextDocument, d: DiagnosticData): ActionDiagnostic {
  return { ...spanOf(document, d.range), message: d.message, source: d.source };
}

/** LSP 3.18 allows markup in diagnostic messages: actions only need the text. */
function messageText(d: Diagnostic): string {
  return typeof d.message === "string" ? d.message : d.message.value;
}

/**
 * The document as actions see it. Its text is read when an action first needs it, once: listing the menu (on every
 * cursor move in some editors) never does, so a 20 MB document is not flattened into one string for it.
 */
function actionDocument(document: TextDocument): ActionDocument {
  let text: string | undefined;
  return {
    uri: document.uri,
    path: uriToPath(document.uri),
    languageId: document.languageId,
    get text() {
      return (text ??= document.getText());
    },
  };
}

/** An editor-supplied rewrite instruction: `context.instruction` is a dhi extension of CodeActionContext. */
function contextInstruction(params: CodeActionParams): string | undefined {
  const value: unknown = (params.context as { instruction?: unknown }).instruction;
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** `textDocument/codeAction`: lists the dhi actions without any model call; `edit` is left to resolve. */
export function provideCodeActions(params: CodeActionParams, document: TextDocument | undefined, workspace: Workspace): CodeAction[] {
  if (!document) return [];
  const lspDiagnostics = new Map<ActionDiagnostic, Diagnostic>();
  const diagnostics = wellFormedDiagnostics(params.context.diagnostics).map((d) => {
    const converted = toActionDiagnostic(document, { range: d.range, message: messageText(d), source: d.source });
    lspDiagnostics.set(converted, d);
    return converted;
  });
  const offers = service.list({
    document: actionDocument(document),
    selection: spanOf(document, params.range),
    diagnostics,
    only: params.context.only,
    customActions: workspace.settings.actions.custom,
  });
  const instruction = contextInstruction(params);
  const actions = offers.map((offer) => {
    const forDiagnostics = (offer.diagnostics ?? []).map((d) => lspDiagnostics.get(d)).filter((d): d is Diagnostic => d !== undefined);
    const data: DhiActionData = {
      dhi: true,
      kind: offer.kind,
      uri: document.uri,
      version: document.version,
      range: params.range,
      ...(instruction && (offer.kind === REWRITE_KIND || offer.kind === CUSTOM_KIND) ? { instruction } : {}),
      ...(offer.custom !== undefined ? { custom: offer.custom } : {}),
      ...(forDiagnostics.length > 0 ? { diagnostics: forDiagnostics.map((d) => ({ range: d.range, message: messageText(d), ...(d.source ? { source: d.source } : {}) })) } : {}),
    };
    const action: CodeAction = { title: offer.title, kind: offer.kind, data };
    if (forDiagnostics.length > 0) {
      action.diagnostics = forDiagnostics;
      action.isPreferred = false;
    }
    return action;
  });
  // The agent, for editors that cannot give executeCommand an instruction (Helix): a `dhi:` comment gives it.
  const agentInstruction = kindRequested(AGENT_ACTION_KIND, params.context.only) ? agentInstructionAt(document, params.range) : null;
  if (agentInstruction) {
    const data: DhiActionData = { dhi: true, kind: AGENT_ACTION_KIND, uri: document.uri, version: document.version, range: params.range, instruction: agentInstruction };
    actions.push({ title: agentActionTitle(agentInstruction), kind: AGENT_ACTION_KIND, data });
  }
  return actions;
}


function overlayFiles(documents: TextDocuments<TextDocument>, root: string | null): WorkspaceFiles {
  const disk = diskFiles(root);
  return {
    read: (path) => documents.get(pathToFileURL(path).href)?.getText() ?? disk.read(path),
    exists: (path) => documents.get(pathToFileURL(path).href) !== undefined || disk.exists(path),
    list: (dir) => disk.list(dir),
    unsafeWrite: (path) => disk.unsafeWrite(path),
  };
}

function failed(message: string, code: number = LSPErrorCodes.RequestFailed): ResponseError<void> {
  return new ResponseError(code, message.startsWith("dhi: ") ? message : `dhi: ${message}`);
}

function changedError(uri: string, listed: number, now: number | undefined): ResponseError<void> {
  const state = now === undefined ? "was closed" : `is now at version ${now}, the action was computed for version ${listed}`;
  return failed(`dhi: the document changed since the code action was listed (${uri} ${state}); request code actions again`, LSPErrorCodes.ContentModified);
}

/** `codeAction/resolve`: runs the model (with progress and cancellation) and fills `edit`. */
export async function resolveCodeAction(
  action: CodeAction,
  documents: TextDocuments<TextDocument>,
  workspace: Workspace,
  signal: AbortSignal,
  withProgress: WithProgress,
): Promise<CodeAction> {
  const parsed = ActionDataSchema.safeParse(action.data);
  if (!parsed.success) {
    if (action.data && typeof action.data === "object" && "dhi" in action.data) throw failed("dhi: the code action's data is malformed; request code actions again", ErrorCodes.InvalidParams);
    return action;
  }
  const data = parsed.data;
  const document = documents.get(data.uri);
  if (!document || document.version !== data.version) throw changedError(data.uri, data.version, document?.version);
  if (data.kind === AGENT_ACTION_KIND) {
    const run = await runAgentAction({ workspace, signal, withProgress }, data.instruction ?? "", uriToPath(data.uri));
    return { ...action, edit: run.edit };
  }
  const kind = data.kind;
  if (!isActionKind(kind)) return action;

  const actionDoc = actionDocument(document);
  const started = Date.now();
  let plan: EditPlan;
  try {
    plan = await withProgress(action.title || "dhi: code action", async (report) => {
      const engine = workspace.engine;
      if (!engine.loaded) {
        report({ message: "loading model" });
        await engine.load({ signal, onProgress: (p) => report({ message: p.message, percentage: Math.round(p.fraction * 100) }) });
      }
      const env: ActionEnvironment = {
        engine,
        index: await workspace.index(),
        files: overlayFiles(documents, workspace.root),
        candidates: workspace.settings.actions.candidates,
        signal,
        onProgress: report,
        debug: (message) => workspace.logger.debug(message),
      };
      return service.resolve(
        {
          kind,
          document: actionDoc,
          selection: spanOf(document, data.range),
          instruction: data.instruction,
          diagnostics: (data.diagnostics ?? []).map((d) => toActionDiagnostic(document, d)),
          root: workspace.root,
          custom: data.custom === undefined ? undefined : workspace.settings.actions.custom.find((a) => a.title === data.custom),
        },
        env,
      );
    });
  } catch (error) {
    if (isAbortError(error) || signal.aborted) throw error;
    if (error instanceof ResponseError) throw error;
    if (error instanceof ActionRejectedError) throw failed(error.message);
    const message = errorMessage(error);
    // Engine errors (no model configured, file missing, backend refused) already say what to fix.
    if (message.startsWith("dhi: ")) throw failed(message);
    workspace.logger.error(`code action ${data.kind} failed: ${message}`);
    throw failed(`dhi: ${action.title} failed: ${message}`, ErrorCodes.InternalError);
  }
  const now = documents.get(data.uri);
  if (!now || now.version !== data.version) throw changedError(data.uri, data.version, now?.version);
  workspace.logger.debug(`${data.kind} resolved in ${Date.now() - started} ms: ${plan.changes.length} file change(s)${plan.answer ? ", an answer" : ""}`);
  if (plan.answer) {
    // Nothing to edit: the editor runs the command, which opens the answer in a window.
    const args = saveAnswer(workspace.answersDir, plan.answer);
    return { ...action, command: { title: plan.answer.title, command: SHOW_ANSWER_COMMAND, arguments: [args] } };
  }
  return { ...action, edit: toWorkspaceEdit(workspace.root, pinnedChanges(plan, data, documents)) };
}

/**
 * The plan's changes pinned to the document versions they were computed against: the listed document's, or an
 * open document's when its text is still the change's `before` (else the edit would land on other text).
 */
function pinnedChanges(plan: EditPlan, data: Pick<DhiActionData, "uri" | "version">, documents: TextDocuments<TextDocument>): FileChange[] {
  return plan.changes.map((change) => {
    if (change.kind !== "modify" || change.uri === undefined) return change;
    if (change.uri === data.uri) return { ...change, version: data.version };
    const open = documents.get(change.uri);
    if (open && open.getText() !== change.before) throw changedError(change.uri, open.version, open.version);
    return { ...change, version: open ? open.version : null };
  });
}
