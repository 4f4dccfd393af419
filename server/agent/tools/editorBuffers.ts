import { resolve } from "node:path";

/** A file as the editor holds it: its text (possibly unsaved) and the document version the editor gave it. */
export interface EditorBuffer {
  text: string;
  version: number;
}

/** The editor's open documents of one workspace, looked up by workspace-relative "/" path. */
export interface EditorBuffers {
  get(path: string): EditorBuffer | undefined;
  /** The workspace-relative paths of every open document in the workspace. */
  paths(): string[];
}

// The language server registers its open documents per workspace root; the CLI registers none, so it reads disk.
// A registry (rather than a parameter) keeps every agent read, however deep, on the editor's text.
const registry = new Map<string, EditorBuffers>();

/** Makes the agent read `root`'s open documents from `buffers`; returns the unregister function. */
export function registerEditorBuffers(root: string, buffers: EditorBuffers): () => void {
  const key = resolve(root);
  registry.set(key, buffers);
  return () => {
    if (registry.get(key) === buffers) registry.delete(key);
  };
}

/** The workspace-relative paths the editor has open in `root`. */
export function openPaths(root: string): string[] {
  return registry.get(resolve(root))?.paths() ?? [];
}

/** The editor's buffer of a workspace file, when the editor has it open. */
export function editorBuffer(root: string, path: string): EditorBuffer | undefined {
  return registry.get(resolve(root))?.get(path);
}
