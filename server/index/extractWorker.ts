// Worker-thread entry of ExtractionPool: parses files off the main thread. Runs only from compiled JS (dist/).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort } from "node:worker_threads";
import type { LanguageName } from "../syntax/index.js";
import { prepareFile } from "./prepareFile.js";

interface Job {
  id: number;
  text: string;
  language: LanguageName | null;
}

// A tree-sitter tree holds native memory (and its source text) that V8 does not account for, so V8 sees no
// pressure and collects trees rarely: a worker's RSS grew by hundreds of MB over a large workspace. Collecting
// every few dozen files keeps it flat, at a cost of a few milliseconds each time.
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;
const COLLECT_EVERY = 32;
let parsed = 0;

parentPort?.on("message", (job: Job) => {
  try {
    parentPort?.postMessage({ id: job.id, file: prepareFile(job.text, job.language) });
  } catch (error) {
    parentPort?.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
  if (++parsed % COLLECT_EVERY === 0) collect();
});
