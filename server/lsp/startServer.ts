import { createConnection, ProposedFeatures } from "vscode-languageserver/node";
import { DhiServer } from "./DhiServer.js";
import type { RequestArrivals } from "./protocol/RequestArrivals.js";
import { createExplicitTransport, createStdioTransport } from "./protocol/transport.js";

/** Starts the language server on stdio (default), `--socket=PORT` or `--node-ipc`. */
export function startLanguageServer(argv: string[]): void {
  // stdout carries JSON-RPC: anything a dependency prints must go to stderr instead.
  const toStderr = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(" ")}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;

  const explicitTransport = argv.some((arg) => arg === "--node-ipc" || arg.startsWith("--socket") || arg.startsWith("--pipe"));
  // Every transport passes the request gate (missing params, requests after shutdown); stdio also gets dhi's framing.
  const explicit = explicitTransport ? createExplicitTransport(argv) : null;
  let connection;
  let arrivals: RequestArrivals | undefined;
  if (explicit) {
    connection = createConnection(ProposedFeatures.all, explicit.reader, explicit.writer);
    arrivals = explicit.arrivals;
  } else if (explicitTransport) {
    connection = createConnection(ProposedFeatures.all);
  } else {
    const { reader, writer, gate, arrivals: stdioArrivals } = createStdioTransport(process.stdin, process.stdout, process.env);
    connection = createConnection(ProposedFeatures.all, reader, writer);
    arrivals = stdioArrivals;
    // The library exits when stdin ends only for a stream it reads itself; our reader needs the same.
    const exitOnEnd = () => process.exit(gate.shuttingDown ? 0 : 1);
    process.stdin.on("end", exitOnEnd);
    process.stdin.on("close", exitOnEnd);
  }

  // The server must never die on bad input: log, and keep serving.
  process.on("uncaughtException", (error) => process.stderr.write(`[dhi error] uncaught: ${error.stack ?? error.message}\n`));
  process.on("unhandledRejection", (reason) => process.stderr.write(`[dhi error] unhandled rejection: ${String(reason)}\n`));

  new DhiServer(connection, process.env, arrivals).listen();
}
