import { ErrorCodes, ResponseError } from "vscode-languageserver/node";
import { buildArchitecture } from "../../agent/architecture/buildArchitecture.js";
import { toWorkspaceEdit } from "../protocol/convert.js";
import type { LspCommand } from "./types.js";

/** `dhi.architecture` → a WorkspaceEdit creating or updating docs/ARCHITECTURE.dhi.md (repo map + Mermaid). */
export const architectureCommand: LspCommand = {
  id: "dhi.architecture",
  async execute(_argument, { workspace, signal, withProgress }) {
    const root = workspace.root;
    const cacheDir = workspace.cacheDir;
    if (!root || !cacheDir) throw new ResponseError(ErrorCodes.InvalidRequest, "dhi: dhi.architecture needs a workspace folder; open a folder first");
    return withProgress("dhi architecture", async (report) => {
      const index = await workspace.index();
      if (index) await index.update({ signal }).catch((error: unknown) => workspace.logger.warn(`architecture: index update failed: ${String(error)}`));
      const result = await buildArchitecture({ root, cacheDir, index, engine: workspace.engine, logger: workspace.logger, onProgress: report, signal });
      workspace.logger.info(
        `architecture: ${result.stats.directories} folders, ${result.stats.resummarised} re-summarised (${result.stats.summarySource}), ${result.stats.reused} reused`,
      );
      return toWorkspaceEdit(root, result.changes, { verified: true, label: "dhi architecture", description: "Repo map and Mermaid diagrams generated from the index" });
    });
  },
};
