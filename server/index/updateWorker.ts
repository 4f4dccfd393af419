// Child-process entry of UpdateProcess: one bulk update of the index on its own database connection. Runs only
// from compiled JS (dist/). When the server goes away mid-update (the IPC channel closes), the update stops at
// the next file and commits what it wrote (whole files), as an abort would.
import { isAbortError } from "../util/abort.js";
import { ForegroundState } from "../util/foreground.js";
import { errorMessage } from "../util/logger.js";
import { runBulkUpdate } from "./bulkUpdate.js";
import { IndexStore } from "./IndexStore.js";
import type { FromUpdateProcess, ToUpdateProcess } from "./UpdateProcess.js";

const open = new Set<string>();
const controller = new AbortController();
/** The server's foreground, as its messages report it. */
const foreground = new ForegroundState();

function send(message: FromUpdateProcess): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

async function run(start: Extract<ToUpdateProcess, { type: "start" }>): Promise<void> {
  for (const path of start.open) open.add(path);
  foreground.set(start.busy);
  let store: IndexStore | null = null;
  try {
    store = new IndexStore(start.dbFile);
    const result = await runBulkUpdate({
      store, root: start.root, exclude: start.exclude, maxFileBytes: start.maxFileBytes, extractionWorkers: start.extractionWorkers,
      isOpen: (path) => open.has(path), foreground, signal: controller.signal,
      onCommit: (done, total, removedLabels) => void send({ type: "commit", done, total, removedLabels }),
      skipped: () => undefined,
    });
    await send({ type: "done", result });
  } catch (error) {
    await send({ type: "failed", message: errorMessage(error), aborted: isAbortError(error) });
  } finally {
    store?.close();
    process.exit(0);
  }
}

process.on("message", (message: ToUpdateProcess) => {
  switch (message.type) {
    case "start":
      void run(message);
      break;
    case "open":
      if (message.open) open.add(message.path);
      else open.delete(message.path);
      break;
    case "busy":
      foreground.set(message.busy);
      break;
    case "abort":
      controller.abort();
      break;
  }
});
process.on("disconnect", () => controller.abort());
// Ctrl-C in a terminal reaches the whole process group: the server decides (it aborts, and what was written is
// committed), and a server that is gone closes the channel.
process.on("SIGINT", () => undefined);
process.on("SIGTERM", () => undefined);
