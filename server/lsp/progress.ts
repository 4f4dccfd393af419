import type { Connection } from "vscode-languageserver/node";
import type { OnProgress } from "../util/progress.js";

/**
 * Reports long work through window/workDoneProgress/create + $/progress when the client supports it.
 * Progress is best-effort: a client that refuses it never fails the work.
 */
export async function withProgress<T>(
  connection: Connection,
  clientSupportsProgress: boolean,
  title: string,
  work: (report: OnProgress) => Promise<T>,
): Promise<T> {
  if (!clientSupportsProgress) return work(() => {});
  let reporter: Awaited<ReturnType<Connection["window"]["createWorkDoneProgress"]>> | null = null;
  try {
    reporter = await connection.window.createWorkDoneProgress();
    reporter.begin(title, 0, undefined, false);
  } catch {
    reporter = null;
  }
  try {
    return await work((update) => {
      reporter?.report(update.percentage ?? 0, update.message);
    });
  } finally {
    reporter?.done();
  }
}
