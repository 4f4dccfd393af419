// Child-process entry of ExtractionPool: reads, hashes and parses changed files outside the language server's
// process. Runs only from compiled JS (dist/). A process rather than a thread because tree-sitter trees hold
// native memory that V8 does not see: the allocator keeps it after the trees are freed, so parsing a large
// workspace in-process left the server hundreds of MB larger for good. A child returns all of it when it exits.
import { examineFile } from "./examineFile.js";
import type { ExtractionJob, ExtractionReply, TextJob } from "./ExtractionPool.js";
import { prepareFile } from "./prepareFile.js";

// Started with --expose-gc: a full collection every few hundred files bounds the child's peak (trees are
// native memory V8 does not count), while collecting more often cost ~10% of the indexing throughput.
const collect = (globalThis as { gc?: () => void }).gc;
const COLLECT_EVERY = 256;
let parsed = 0;

process.on("message", (job: ExtractionJob | TextJob) => {
  let reply: ExtractionReply;
  try {
    if ("text" in job) {
      // An open document: the parent has its text and hash, and needs the extraction only.
      reply = { id: job.id, job: null, file: prepareFile(job.text, job.language), problem: null };
      parsed++;
    } else {
      reply = examine(job);
    }
  } catch (error) {
    reply = { id: job.id, error: error instanceof Error ? error.message : String(error) };
  }
  // The pool may have closed the channel with jobs still queued here (an aborted update): drop their replies.
  if (process.connected) process.send?.(reply, undefined, undefined, () => undefined);
  if (parsed >= COLLECT_EVERY) {
    parsed = 0;
    collect?.();
  }
});

/** A changed file on disk: read, examined and, when it needs indexing, parsed. */
function examine(job: ExtractionJob): ExtractionReply {
  const { job: fileJob, problem } = examineFile(job.root, job.path, job.known, job.info, job.maxFileBytes);
  if (fileJob?.kind === "index") {
    const file = prepareFile(fileJob.text, job.language);
    parsed++;
    // The parent needs the extraction, not the text again.
    return { id: job.id, job: { ...fileJob, text: "" }, file, problem };
  }
  return { id: job.id, job: fileJob, file: null, problem };
}

// The parent died or closed the pool: nothing left to do.
process.on("disconnect", () => process.exit(0));
// Ctrl-C in a terminal reaches the whole process group: the parent decides, and closes the pool.
process.on("SIGINT", () => undefined);
process.on("SIGTERM", () => undefined);
