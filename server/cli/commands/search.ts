import { Logger } from "../../util/logger.js";
import { Workspace } from "../../workspace/Workspace.js";
import { loadCliWorkspace } from "../workspaceArgs.js";
import { intOption, parseCliArgs, UsageError, type CliIO } from "../args.js";

/** `dhi search QUERY [--dir DIR] [-k N] [--json]`: hybrid search; brings the index up to date first. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, {
    dir: { type: "string" },
    k: { type: "string", short: "k" },
    json: { type: "boolean" },
  });
  const query = positionals.join(" ").trim();
  if (query === "") throw new UsageError("dhi: search needs a QUERY, e.g. dhi search \"parse settings\"", true);
  const k = intOption(values.k, "-k", 10);
  const { dir: root, settings } = loadCliWorkspace(values.dir, io);
  const workspace = await Workspace.withSettings(root, settings, new Logger("warn"), io.env);
  try {
    const index = await workspace.openIndex();
    await index.update();
    const hits = await index.search(query, { k });
    if (values.json) {
      const rows = hits.map(({ chunk, score }) => ({
        path: chunk.path, startLine: chunk.startLine, endLine: chunk.endLine, symbol: chunk.symbol, kind: chunk.kind, score,
      }));
      io.stdout(`${JSON.stringify(rows)}\n`);
    } else {
      for (const { chunk, score } of hits) {
        io.stdout(`${chunk.path}:${chunk.startLine}-${chunk.endLine} ${score.toFixed(4)} ${chunk.symbol ?? ""}`.trimEnd() + "\n");
      }
    }
    return 0;
  } finally {
    await workspace.dispose();
  }
}
