import { isAbsolute, relative } from "node:path";
import type { WorkspaceFolder } from "vscode-languageserver/node";
import { uriToPath } from "./documentPaths.js";
import type { Workspace } from "../workspace/Workspace.js";

/** One workspace folder and what the server keeps for it. */
export interface FolderEntry<T extends { workspace: Workspace }> {
  uri: string;
  name: string;
  /** Absolute path of the folder. */
  root: string;
  parts: T;
}

/** Completion ids remembered per folder, so `dhi.completion.accepted {id}` is counted where it was shown. */
const REMEMBERED_COMPLETIONS = 2000;

/** A folder URI the client named but the server does not have (or cannot have). One clear line. */
export class UnknownFolderError extends Error {}

/** Whether `path` is `root` or inside it. */
function contains(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * The workspace folders of a multi-root session, each with its own Workspace (settings, index, sandbox, agent
 * checkpoints), plus one folderless Workspace for files outside every folder (completions without retrieval).
 * A document belongs to the folder with the longest root that contains it.
 */
export class WorkspaceFolders<T extends { workspace: Workspace }> {
  private readonly folders = new Map<string, FolderEntry<T>>();
  private readonly completionOwners = new Map<string, Workspace>();

  constructor(
    /** Builds the parts of one folder; `root` null is the folderless workspace. */
    private readonly create: (root: string | null) => T,
    /** Releases what `create` built. */
    private readonly dispose: (parts: T) => Promise<void>,
    readonly outside: T = create(null),
  ) {}

  /** Adds a folder (a repeated URI returns the existing one). Throws UnknownFolderError for a non-file URI. */
  add(folder: WorkspaceFolder): FolderEntry<T> {
    const root = uriToPath(folder.uri);
    if (!root) throw new UnknownFolderError(`dhi: workspace folder ${JSON.stringify(folder.uri)} is not a file: URI; ignoring it`);
    const existing = this.folders.get(root);
    if (existing) return existing;
    const entry: FolderEntry<T> = { uri: folder.uri, name: folder.name, root, parts: this.create(root) };
    this.folders.set(root, entry);
    return entry;
  }

  /** Removes a folder and disposes its engines. Throws UnknownFolderError when no such folder is open. */
  async remove(uri: string): Promise<void> {
    const entry = this.byUri(uri);
    this.folders.delete(entry.root);
    for (const [id, owner] of this.completionOwners) if (owner === entry.parts.workspace) this.completionOwners.delete(id);
    await this.dispose(entry.parts);
  }

  /** The folder opened at exactly `uri`. */
  byUri(uri: string): FolderEntry<T> {
    const root = uriToPath(uri);
    const entry = root ? this.folders.get(root) ?? [...this.folders.values()].find((e) => e.uri === uri) : undefined;
    if (!entry) throw new UnknownFolderError(`dhi: ${uri} is not an open workspace folder; the folders are ${this.describe()}`);
    return entry;
  }

  /** The innermost folder containing the document, or null when it is outside every folder. */
  folderOf(documentUri: string): FolderEntry<T> | null {
    const path = uriToPath(documentUri);
    if (!path) return null;
    let best: FolderEntry<T> | null = null;
    for (const entry of this.folders.values()) {
      if (contains(entry.root, path) && (!best || entry.root.length > best.root.length)) best = entry;
    }
    return best;
  }

  /** The parts serving a document: its folder's, or the folderless ones. */
  forDocument(documentUri: string): T {
    return this.folderOf(documentUri)?.parts ?? this.outside;
  }

  /**
   * The parts a command argument names through `uri` (a folder or a file in one) or `uris[0]`; the first folder
   * when it names none. A URI outside every folder is an error, never a silent fallback.
   */
  forArgument(argument: unknown): T {
    const uri = namedUri(argument);
    if (uri === null) return this.first();
    const entry = this.folderOf(uri);
    if (!entry) throw new UnknownFolderError(`dhi: ${uri} is not in any workspace folder; the folders are ${this.describe()}`);
    return entry.parts;
  }

  first(): T {
    return this.folders.values().next().value?.parts ?? this.outside;
  }

  entries(): FolderEntry<T>[] {
    return [...this.folders.values()];
  }

  /** Every folder's parts, then the folderless ones. */
  all(): T[] {
    return [...this.entries().map((e) => e.parts), this.outside];
  }

  rememberCompletion(id: string, workspace: Workspace): void {
    this.completionOwners.set(id, workspace);
    if (this.completionOwners.size > REMEMBERED_COMPLETIONS) this.completionOwners.delete(this.completionOwners.keys().next().value as string);
  }

  /** The workspace that showed completion `id`; the first folder's when unknown (e.g. after a restart). */
  completionOwner(id: string): Workspace {
    return this.completionOwners.get(id) ?? this.first().workspace;
  }

  async disposeAll(): Promise<void> {
    const parts = this.all();
    this.folders.clear();
    await Promise.allSettled(parts.map((p) => this.dispose(p)));
  }

  private describe(): string {
    const uris = this.entries().map((e) => e.uri);
    return uris.length > 0 ? uris.join(", ") : "(none: no folder is open)";
  }
}

function namedUri(argument: unknown): string | null {
  if (typeof argument !== "object" || argument === null) return null;
  const { uri, uris } = argument as { uri?: unknown; uris?: unknown };
  if (typeof uri === "string") return uri;
  if (Array.isArray(uris) && typeof uris[0] === "string") return uris[0];
  return null;
}
