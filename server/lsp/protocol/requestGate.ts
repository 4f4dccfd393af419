import { ErrorCodes, type Message, type ResponseMessage } from "vscode-languageserver/node";

type Kind = "string" | "number" | "object" | "array" | "present";

/**
 * The params each method cannot do without, as dotted paths with their type. The handlers (ours and the
 * library's) read these unguarded, so a message lacking one would otherwise fail with a JavaScript TypeError.
 */
const POSITION: Record<string, Kind> = { "position.line": "number", "position.character": "number" };
const RANGE: Record<string, Kind> = { "range.start.line": "number", "range.start.character": "number", "range.end.line": "number", "range.end.character": "number" };
const REQUIRED: Record<string, Record<string, Kind>> = {
  initialize: { capabilities: "object" },
  "textDocument/completion": { "textDocument.uri": "string", ...POSITION },
  "textDocument/inlineCompletion": { "textDocument.uri": "string", ...POSITION, context: "object" },
  "textDocument/codeAction": { "textDocument.uri": "string", ...RANGE, context: "object", "context.diagnostics": "array" },
  "codeAction/resolve": { title: "string" },
  "workspace/executeCommand": { command: "string" },
  "dhi/internal/documentText": { uri: "string" },
  "textDocument/didOpen": { "textDocument.uri": "string", "textDocument.languageId": "string", "textDocument.version": "number", "textDocument.text": "string" },
  "textDocument/didChange": { "textDocument.uri": "string", "textDocument.version": "number", contentChanges: "array" },
  "textDocument/didClose": { "textDocument.uri": "string" },
  "textDocument/didSave": { "textDocument.uri": "string" },
  "workspace/didChangeWatchedFiles": { changes: "array" },
  "$/cancelRequest": { id: "present" },
};

function kindOf(value: unknown): Kind | "missing" {
  if (value === undefined || value === null) return "missing";
  if (Array.isArray(value)) return "array";
  const type = typeof value;
  return type === "string" || type === "number" || type === "object" ? type : "present";
}

/** The first required param that is missing or of the wrong type, as one line; null when all are there. */
export function missingParam(method: string, params: unknown): string | null {
  const required = REQUIRED[method];
  if (!required) return null;
  if (kindOf(params) !== "object") return `dhi: ${method} needs params (an object); got ${params === undefined ? "none" : JSON.stringify(params)}`;
  for (const [path, kind] of Object.entries(required)) {
    let value: unknown = params;
    for (const key of path.split(".")) value = kindOf(value) === "object" ? (value as Record<string, unknown>)[key] : undefined;
    const actual = kindOf(value);
    if (actual === "missing") return `dhi: ${method}: params.${path} is missing`;
    if (kind !== "present" && actual !== kind) return `dhi: ${method}: params.${path} must be ${kind === "array" ? "an array" : `a ${kind}`}, not ${actual}`;
  }
  return null;
}

export interface GateOptions {
  /** Sends a response the gate answered itself. */
  reply(response: ResponseMessage): void;
  log(line: string): void;
}

/**
 * Sits between the frame reader and the connection: answers requests lacking required params with -32602
 * naming the param, and after `shutdown` answers every request with -32600 (InvalidRequest) and drops
 * notifications other than `exit`, as the LSP specification asks.
 */
export class RequestGate {
  private shutdownReceived = false;

  constructor(private readonly options: GateOptions) {}

  get shuttingDown(): boolean {
    return this.shutdownReceived;
  }

  /** The message to pass on, or null when the gate answered or dropped it. */
  admit(message: Message): Message | null {
    const record = message as unknown as Record<string, unknown>;
    if (kindOf(record) !== "object" || typeof record.method !== "string") return message;
    const method = record.method;
    const id = record.id;
    const isRequest = typeof id === "string" || typeof id === "number";
    if (this.shutdownReceived && method !== "exit") {
      if (isRequest) this.error(id, ErrorCodes.InvalidRequest, `dhi: ${method} after shutdown: the server only accepts exit now`);
      else this.options.log(`dhi: ignored ${method} after shutdown`);
      return null;
    }
    const missing = missingParam(method, record.params);
    if (missing) {
      if (isRequest) this.error(id, ErrorCodes.InvalidParams, missing);
      else this.options.log(`${missing}; the notification was ignored`);
      return null;
    }
    if (method === "shutdown") this.shutdownReceived = true;
    return message;
  }

  private error(id: string | number, code: number, message: string): void {
    this.options.reply({ jsonrpc: "2.0", id, error: { code, message } });
  }
}
