import type { LspCommand } from "./types.js";

/** `dhi.index.rebuild`: re-chunks and re-embeds the whole workspace, reporting progress. */
export const indexRebuildCommand: LspCommand = {
  id: "dhi.index.rebuild",
  async execute(_argument, { workspace, signal, withProgress }) {
    const index = await workspace.index();
    if (!index) throw new Error("dhi: the index is not available (open a workspace folder and keep index.enabled on)");
    return withProgress("dhi: rebuilding the index", (report) =>
      index.update({
        signal,
        rebuild: true,
        onProgress: (p) => report({ message: `${p.message} (${p.done}/${p.total})`, percentage: p.total ? Math.round((100 * p.done) / p.total) : 0 }),
      }),
    );
  },
};
