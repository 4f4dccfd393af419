import { join, resolve } from "node:path";
import type { TextDocuments } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { registerEditorBuffers } from "../agent/tools/editorBuffers.js";
import { uriToPath } from "./documentPaths.js";

/** Lets the agent of the workspace at `root` read the editor's open documents (text and version) instead of disk. */
export function shareOpenDocuments(root: string, documents: TextDocuments<TextDocument>): () => void {
  return registerEditorBuffers(root, {
    get(path) {
      const wanted = resolve(join(root, path));
      // Compared as paths, not URI strings: clients encode the same file's URI differently.
      const document = documents.all().find((d) => {
        const p = uriToPath(d.uri);
        return p !== null && resolve(p) === wanted;
      });
      return document ? { text: document.getText(), version: document.version } : undefined;
    },
  });
}
