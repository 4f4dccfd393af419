// AI code actions on a selection: listing (instant, no model) and resolution (model → verified edit plan).
// Architecture invariant: actions/ knows nothing about LSP. Positions are UTF-16 offsets into the text the
// action was listed against; the lsp/ layer converts them to ranges and WorkspaceEdits.
import type { CustomAction } from "../config/schema.js";
import type { CodeIndex } from "../index/types.js";
import type { InferenceEngine, SpeculationStats } from "../inference/types.js";
import type { FileChange, OffsetEdit } from "../text/fileChange.js";
import type { OnProgress } from "../util/progress.js";
import type { ActionKind } from "./kinds.js";
import type { WorkspaceFiles } from "./workspaceFiles.js";

/** Actions hand their edits up in the shared shape (`text/fileChange.ts`); lsp/ makes the WorkspaceEdit. */
export type { FileChange, OffsetEdit };

/** A half-open span of UTF-16 offsets. */
export interface TextSpan {
  start: number;
  end: number;
}

export interface ActionDiagnostic extends TextSpan {
  message: string;
  /** Where the diagnostic came from (`eslint`, `typescript`…), when the client said. */
  source?: string;
}

export interface ActionDocument {
  uri: string;
  /** Absolute filesystem path; null for untitled buffers. */
  path: string | null;
  languageId: string;
  text: string;
}

export interface ListRequest {
  document: ActionDocument;
  selection: TextSpan;
  /** The diagnostics the client sent in the request's context. */
  diagnostics: ActionDiagnostic[];
  /** The client's `only` filter: kinds (or kind prefixes) it wants. */
  only?: string[];
  /** The user-defined actions from the settings. */
  customActions?: readonly CustomAction[];
}

/** One action in the menu. Carries what resolve needs; nothing is computed yet. */
export interface ActionOffer {
  kind: ActionKind;
  title: string;
  /** For quickfix: the diagnostic(s) the fix is for. */
  diagnostics?: ActionDiagnostic[];
  /** For a user-defined action: its title in the settings, which resolve looks it up by. */
  custom?: string;
}

export interface ResolveRequest {
  kind: ActionKind;
  document: ActionDocument;
  selection: TextSpan;
  /** Rewrite instruction passed by the editor; else a `dhi:` comment above the selection is used. */
  instruction?: string;
  diagnostics: ActionDiagnostic[];
  /** Absolute workspace root, or null when the client opened no folder. */
  root: string | null;
  /** The user-defined action to run (kind CUSTOM_KIND). */
  custom?: CustomAction;
}

/** What resolution runs against: injected so actions stay free of LSP and testable. */
export interface ActionEnvironment {
  engine: InferenceEngine;
  index: CodeIndex | null;
  files: WorkspaceFiles;
  /** Best-of-N: how many candidates to try before giving up on a syntax-clean edit. */
  candidates: number;
  signal: AbortSignal;
  onProgress: OnProgress;
  debug: (message: string) => void;
}

export interface GenerationReport {
  /** Model calls made (candidates plus the parse-error retry). */
  calls: number;
  generatedTokens: number;
  totalMs: number;
  speculation: SpeculationStats;
}

/** An answer for the user to read in a window, instead of an edit. */
export interface ActionAnswer {
  title: string;
  /** The document shown: the answer with a heading and the code it is about. */
  markdown: string;
  /** The bare answer (short ones can go in a message instead of a document). */
  text: string;
}

/** The outcome of resolving an action: plain data the lsp/ layer turns into a WorkspaceEdit (or a window). */
export interface EditPlan {
  changes: FileChange[];
  /** Set when the action answers in a window (Explain, user actions with result "window"); `changes` is then empty. */
  answer?: ActionAnswer;
  report: GenerationReport;
}
