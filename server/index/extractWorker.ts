// Child-process entry of ExtractionPool: parses files outside the language server's process. Runs only from
// compiled JS (dist/). A process rather than a thread because tree-sitter trees hold native memory that V8 does
// not see: the allocator keeps it after the trees are freed, so parsing a large workspace in-process left the
// server hundreds of MB larger for good. A child returns all of it to the system when it exits.
import type { LanguageName } from "../syntax/index.js";
import { prepareFile } from "./prepareFile.js";

interface Job {
  id: number;
  text: string;
  language: LanguageName | null;
}

// Started with --expose-gc: collecting every few dozen files bounds the child's own peak.
const collect = (globalThis as { gc?: () => void }).gc;
const COLLECT_EVERY = 32;
let parsed = 0;

process.on("message", (job: Job) => {
  try {
    process.send?.({ id: job.id, file: prepareFile(job.text, job.language) });
  } catch (error) {
    process.send?.({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
  if (++parsed % COLLECT_EVERY === 0) collect?.();
});
// The parent died or closed the pool: nothing left to do.
process.on("disconnect", () => process.exit(0));
