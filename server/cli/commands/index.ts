import { openIndex } from "../../index/openIndex.js";
import { Logger } from "../../util/logger.js";
import { loadCliWorkspace } from "../workspaceArgs.js";
import { parseCliArgs, UsageError, type CliIO } from "../args.js";

/** `dhi index [DIR] [--json]`: builds or updates the index of DIR and prints its stats. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, { json: { type: "boolean" } });
  if (positionals.length > 1) throw new UsageError(`dhi: index takes one directory (got ${positionals.length})`);
  const { dir: root, settings } = loadCliWorkspace(positionals[0], io, "DIR");
  const logger = new Logger("warn");
  const index = await openIndex({ root, settings, logger, env: io.env }).catch((error: unknown) => {
    throw new Error(`cannot open the index of ${root}: ${error instanceof Error ? error.message : String(error)}`);
  });
  try {
    const stats = await index.update();
    if (values.json) {
      io.stdout(`${JSON.stringify({ ...stats, hasEmbeddings: index.hasEmbeddings, embeddingProblem: index.embeddingProblem })}\n`);
    } else {
      io.stdout(
        `files ${stats.files}\nchunks ${stats.chunks}\nsymbols ${stats.symbols}\nreferences ${stats.references}\n` +
        `embeddings ${stats.embeddings}\nseconds ${stats.seconds.toFixed(2)}\n`,
      );
      if (!index.hasEmbeddings) io.stderr(`dhi: no vectors: ${index.embeddingProblem}\n`);
    }
    return 0;
  } finally {
    await index.dispose();
  }
}
