import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { DhiServer } from "./DhiServer.js";

/** Starts the language server on stdio (default), `--socket=PORT` or `--node-ipc`. */
export function startLanguageServer(argv: string[]): void {
  // stdout carries JSON-RPC: anything a dependency prints must go to stderr instead.
  const toStderr = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(" ")}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;

  const explicitTransport = argv.some((arg) => arg === "--node-ipc" || arg.startsWith("--socket") || arg.startsWith("--pipe"));
  const connection = explicitTransport
    ? createConnection(ProposedFeatures.all)
    : createConnection(ProposedFeatures.all, process.stdin, process.stdout);

  // The server must never die on bad input: log, and keep serving.
  process.on("uncaughtException", (error) => process.stderr.write(`[dhi error] uncaught: ${error.stack ?? error.message}\n`));
  process.on("unhandledRejection", (reason) => process.stderr.write(`[dhi error] unhandled rejection: ${String(reason)}\n`));

  new DhiServer(connection).listen();
}
