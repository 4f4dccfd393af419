import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { loadSettingsForDirectory } from "../../config/loadSettings.js";
import { openIndex } from "../../index/openIndex.js";
import { Logger } from "../../util/logger.js";
import { parseCliArgs, UsageError, type CliIO } from "../args.js";

/** `dhi index [DIR] [--json]`: builds or updates the index of DIR and prints its stats. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, { json: { type: "boolean" } });
  if (positionals.length > 1) throw new UsageError(`dhi: index takes one directory (got ${positionals.length})`);
  const root = resolve(io.cwd, positionals[0] ?? ".");
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`dhi: DIR ${root} is not a directory`);
  const resolved = loadSettingsForDirectory(root, io.env);
  for (const line of [...resolved.errors, ...resolved.warnings]) io.stderr(`${line}\n`);
  const logger = new Logger("warn");
  const index = await openIndex({ root, settings: resolved.settings, logger, env: io.env }).catch((error: unknown) => {
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
