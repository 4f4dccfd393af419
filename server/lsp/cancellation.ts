import { LSPErrorCodes, ResponseError, type CancellationToken } from "vscode-languageserver/node";
import { isAbortError } from "../util/abort.js";

/** Turns an LSP cancellation token into the AbortSignal every engine call takes. */
export function signalFromToken(token: CancellationToken | undefined): AbortSignal {
  const controller = new AbortController();
  if (token) {
    if (token.isCancellationRequested) controller.abort();
    else token.onCancellationRequested(() => controller.abort());
  }
  return controller.signal;
}

export function cancelledError(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, "Request cancelled");
}

/** Runs a handler body; an abort (from $/cancelRequest) becomes the protocol's RequestCancelled error. */
export async function cancellable<T>(token: CancellationToken | undefined, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = signalFromToken(token);
  try {
    const result = await body(signal);
    if (signal.aborted) throw cancelledError();
    return result;
  } catch (error) {
    if (signal.aborted || isAbortError(error)) throw cancelledError();
    throw error;
  }
}
