import {
  createServerPipeTransport,
  createServerSocketTransport,
  ErrorCodes,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageWriter,
  type MessageReader,
  type MessageWriter,
  type ResponseMessage,
} from "vscode-languageserver/node";
import { FramedReader } from "./FramedReader.js";
import { RequestArrivals } from "./RequestArrivals.js";
import { RequestGate } from "./requestGate.js";

/** How long a frame's body may stall before it is dropped; DHI_FRAME_TIMEOUT_MS overrides it (tests use a short one). */
export function frameTimeoutMs(env: NodeJS.ProcessEnv): number {
  const value = Number(env.DHI_FRAME_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : 10_000;
}

const MAX_CONTENT_LENGTH = 256 * 1024 * 1024;

export interface Transport {
  reader: MessageReader;
  writer: MessageWriter;
  gate: RequestGate;
  /** When completion requests were read, for their latency records. */
  arrivals: RequestArrivals;
}

const log = (line: string) => process.stderr.write(`[dhi warn] ${line}\n`);

function replier(writer: MessageWriter): (message: ResponseMessage) => void {
  return (message) => void writer.write(message).catch(() => undefined);
}

/** `inner`, with every message passing the request gate before the connection sees it, and its read time noted. */
function gated(inner: MessageReader, gate: RequestGate, arrivals: RequestArrivals): MessageReader {
  return {
    onError: inner.onError,
    onClose: inner.onClose,
    onPartialMessage: inner.onPartialMessage,
    listen: (callback) => inner.listen((message) => {
      const admitted = gate.admit(message);
      if (!admitted) return;
      arrivals.note(admitted);
      callback(admitted);
    }),
    dispose: () => inner.dispose(),
  };
}

/** JSON-RPC over stdio through dhi's own framing (stalled frames are dropped) and the request gate. */
export function createStdioTransport(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Transport {
  const writer = new StreamMessageWriter(output);
  const send = replier(writer);
  const gate = new RequestGate({ reply: send, log });
  const framed = new FramedReader(input, {
    stallTimeoutMs: frameTimeoutMs(env),
    maxContentLength: MAX_CONTENT_LENGTH,
    log,
    onUndecodable: (reason) => send({ jsonrpc: "2.0", id: null, error: { code: ErrorCodes.ParseError, message: reason } }),
  });
  const arrivals = new RequestArrivals();
  return { reader: gated(framed, gate, arrivals), writer, gate, arrivals };
}

/** The value of `--name=VALUE` or `--name VALUE`. */
function flag(argv: string[], name: string): string | undefined {
  const i = argv.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const arg = argv[i] as string;
  return arg.includes("=") ? arg.slice(name.length + 1) : argv[i + 1];
}

/** `--node-ipc`, `--socket=PORT` or `--pipe=NAME` (vscode-jsonrpc's own framing), behind the same request gate; null for none. */
export function createExplicitTransport(argv: string[]): Transport | null {
  let pair: [MessageReader, MessageWriter] | null = null;
  const port = flag(argv, "--socket");
  const pipe = flag(argv, "--pipe");
  if (argv.includes("--node-ipc")) pair = [new IPCMessageReader(process), new IPCMessageWriter(process)];
  else if (port !== undefined && Number.isInteger(Number(port))) pair = createServerSocketTransport(Number(port));
  else if (pipe !== undefined) pair = createServerPipeTransport(pipe);
  if (!pair) return null;
  const [reader, writer] = pair;
  const gate = new RequestGate({ reply: replier(writer), log });
  const arrivals = new RequestArrivals();
  return { reader: gated(reader, gate, arrivals), writer, gate, arrivals };
}
