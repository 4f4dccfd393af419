import { isAbsolute, relative, resolve, sep } from "node:path";
import type { TextDocuments } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { registerEditorBuffers } from "../agent/tools/editorBuffers.js";
import { uriToPath } from "./documentPaths.js";

/** The workspace-relative "/" path of an open document, or null when it lies outside `root` (or is not a file). */
function relativePath(root: string, uri: string): string | null {
  const path = uriToPath(uri);
  if (path === null) return null;
  const rel = relative(resolve(root), resolve(path));
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? null : rel.split(sep).join("/");
}

/** Lets the agent of the workspace at `root` read the editor's open documents (text and version) instead of disk. */
export function shareOpenDocuments(root: string, documents: TextDocuments<TextDocument>): () => void {
  return registerEditorBuffers(root, {
    get(path) {
      // Compared as paths, not URI strings: clients encode the same file's URI differently.
      const document = documents.all().find((d) => relativePath(root, d.uri) === path);
      return document ? { text: document.getText(), version: document.version } : undefined;
    },
    paths: () => documents.all().map((d) => relativePath(root, d.uri)).filter((p): p is string => p !== null),
  });
}
