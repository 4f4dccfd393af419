import type { IndexProgress, IndexStats } from "../../index/types.js";
import { isAbortError } from "../../util/abort.js";
import { Logger } from "../../util/logger.js";
import { Workspace } from "../../workspace/Workspace.js";
import { loadCliWorkspace } from "../workspaceArgs.js";
import { parseCliArgs, UsageError, type CliIO } from "../args.js";

/** Exit status after Ctrl-C, as shells report a SIGINT. */
const INTERRUPTED = 130;

/**
 * `dhi index [DIR] [--json]`: builds or updates the index of DIR and prints its stats. On a terminal, progress is
 * drawn on stderr. Ctrl-C stops at the next file: what was indexed is kept, and the next run continues from there.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, { json: { type: "boolean" } });
  if (positionals.length > 1) throw new UsageError(`dhi: index takes one directory (got ${positionals.length})`, true);
  const { dir: root, settings } = loadCliWorkspace(positionals[0], io, "DIR");
  const logger = new Logger("warn");
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  process.once("SIGINT", onInterrupt);
  process.once("SIGTERM", onInterrupt);
  const workspace = await Workspace.withSettings(root, settings, logger, io.env);
  const index = await workspace.openIndex().catch((error: unknown) => {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
    void workspace.dispose();
    throw new Error(`cannot open the index of ${root}: ${error instanceof Error ? error.message : String(error)}`);
  });
  const progress = io.stderrIsTerminal ? new ProgressLine(io) : null;
  try {
    const stats = await index.update({ signal: controller.signal, onProgress: progress ? (p) => progress.show(p) : undefined });
    progress?.clear();
    // Interrupted while embedding: the files are all indexed, some chunks still lack vectors.
    if (controller.signal.aborted) return interrupted(io, stats);
    if (values.json) {
      io.stdout(`${JSON.stringify({ ...stats, hasEmbeddings: index.hasEmbeddings, embeddingProblem: index.embeddingProblem, fusion: index.fusionCalibration })}\n`);
    } else {
      io.stdout(
        `files ${stats.files}\nchunks ${stats.chunks}\nsymbols ${stats.symbols}\nreferences ${stats.references}\n` +
        `embeddings ${stats.embeddings}\nseconds ${stats.seconds.toFixed(2)}\n`,
      );
      if (!index.hasEmbeddings) io.stderr(`dhi: no vectors: ${index.embeddingProblem}\n`);
    }
    return 0;
  } catch (error) {
    progress?.clear();
    if (!isAbortError(error) && !controller.signal.aborted) throw error;
    return interrupted(io, index.stats());
  } finally {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
    await workspace.dispose();
  }
}

function interrupted(io: CliIO, { files, chunks, embeddings }: IndexStats): number {
  io.stderr(`dhi: indexing interrupted; kept ${files} files, ${chunks} chunks, ${embeddings} embeddings (run dhi index again to go on)\n`);
  return INTERRUPTED;
}

/** One progress line on stderr, redrawn at most 10 times a second (a new phase and a phase's end always). */
class ProgressLine {
  private drawnAt = 0;
  private width = 0;
  private phase = "";

  constructor(private readonly io: CliIO) {}

  show({ done, total, message }: IndexProgress): void {
    const now = Date.now();
    if (now - this.drawnAt < 100 && message === this.phase && done < total) return;
    this.drawnAt = now;
    this.phase = message;
    const text = total > 0 ? `dhi index: ${message} (${done}/${total}, ${Math.floor((100 * done) / total)}%)` : `dhi index: ${message}`;
    this.io.stderr(`\r${text.padEnd(this.width)}`);
    this.width = text.length;
  }

  clear(): void {
    if (this.width > 0) this.io.stderr(`\r${" ".repeat(this.width)}\r`);
    this.width = 0;
  }
}
