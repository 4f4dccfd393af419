// Worker-thread entry of ExtractionPool: parses files off the main thread. Runs only from compiled JS (dist/).
import { parentPort } from "node:worker_threads";
import type { LanguageName } from "../syntax/index.js";
import { prepareFile } from "./prepareFile.js";

interface Job {
  id: number;
  text: string;
  language: LanguageName | null;
}

parentPort?.on("message", (job: Job) => {
  try {
    parentPort?.postMessage({ id: job.id, file: prepareFile(job.text, job.language) });
  } catch (error) {
    parentPort?.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
