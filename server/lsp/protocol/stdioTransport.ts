import { ErrorCodes, StreamMessageWriter, type MessageReader, type MessageWriter, type ResponseMessage } from "vscode-languageserver/node";
import { FramedReader } from "./FramedReader.js";
import { RequestGate } from "./requestGate.js";

/** How long a frame's body may stall before it is dropped; DHI_FRAME_TIMEOUT_MS overrides it (tests use a short one). */
export function frameTimeoutMs(env: NodeJS.ProcessEnv): number {
  const value = Number(env.DHI_FRAME_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : 10_000;
}

const MAX_CONTENT_LENGTH = 256 * 1024 * 1024;

export interface StdioTransport {
  reader: MessageReader;
  writer: MessageWriter;
  gate: RequestGate;
}

/** JSON-RPC over stdio through dhi's own framing (stalled frames are dropped) and request gate. */
export function createStdioTransport(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, env: NodeJS.ProcessEnv): StdioTransport {
  const log = (line: string) => process.stderr.write(`[dhi warn] ${line}\n`);
  const writer = new StreamMessageWriter(output);
  const send = (message: ResponseMessage) => void writer.write(message).catch(() => undefined);
  const gate = new RequestGate({ reply: send, log });
  const framed = new FramedReader(input, {
    stallTimeoutMs: frameTimeoutMs(env),
    maxContentLength: MAX_CONTENT_LENGTH,
    log,
    onUndecodable: (reason) => send({ jsonrpc: "2.0", id: null, error: { code: ErrorCodes.ParseError, message: reason } }),
  });
  const reader: MessageReader = {
    onError: framed.onError,
    onClose: framed.onClose,
    onPartialMessage: framed.onPartialMessage,
    listen: (callback) => framed.listen((message) => {
      const admitted = gate.admit(message);
      if (admitted) callback(admitted);
    }),
    dispose: () => framed.dispose(),
  };
  return { reader, writer, gate };
}
