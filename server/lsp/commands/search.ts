import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import type { LspCommand } from "./types.js";

const ArgsSchema = z.object({ query: z.string().min(1), k: z.number().int().min(1).max(200).optional() });

/** `dhi.search {query, k?}` → `[{uri, range, symbol?, score}]`, best first (hybrid search over the index). */
export const searchCommand: LspCommand = {
  id: "dhi.search",
  async execute(argument, { workspace, signal }) {
    const { query, k } = ArgsSchema.parse(argument);
    const index = await workspace.index();
    if (!index || !workspace.root) throw new Error("dhi: the index is not available (open a workspace folder and keep index.enabled on)");
    const root = workspace.root;
    const hits = await index.search(query, { k: k ?? 10, signal });
    return hits.map(({ chunk, score }) => ({
      uri: pathToFileURL(join(root, chunk.path)).href,
      range: { start: { line: chunk.startLine - 1, character: 0 }, end: { line: chunk.endLine, character: 0 } },
      ...(chunk.symbol ? { symbol: chunk.symbol } : {}),
      score,
    }));
  },
};
