import type { Message, RequestMessage } from "vscode-languageserver/node";

/** The requests whose latency records start where they were read off the wire. */
const TIMED_METHODS = new Set(["textDocument/completion", "textDocument/inlineCompletion"]);

/** At most this many unanswered stamps are kept (a client may send requests that never reach a handler). */
const MAX_PENDING = 64;

interface Position {
  line: number;
  character: number;
}

function keyOf(method: string, uri: string, position: Position): string {
  return `${method} ${uri} ${position.line}:${position.character}`;
}

/**
 * When each completion request was read, so that its latency record also counts the time before its handler ran
 * (earlier messages' handlers, the connection's queue). A handler does not see its JSON-RPC id, so a request is
 * known by what it asks: method, document and position.
 */
export class RequestArrivals {
  private readonly readAt = new Map<string, number>();

  /** Called for every message as it is read. */
  note(message: Message): void {
    const request = message as Partial<RequestMessage>;
    if (typeof request.method !== "string" || !TIMED_METHODS.has(request.method)) return;
    const params = request.params as { textDocument?: { uri?: unknown }; position?: Partial<Position> } | undefined;
    const uri = params?.textDocument?.uri;
    const { line, character } = params?.position ?? {};
    if (typeof uri !== "string" || typeof line !== "number" || typeof character !== "number") return;
    if (this.readAt.size >= MAX_PENDING) this.readAt.delete(this.readAt.keys().next().value as string);
    this.readAt.set(keyOf(request.method, uri, { line, character }), performance.now());
  }

  /** When the request for `method` at `uri` and `position` was read (forgotten once taken); null if not seen. */
  take(method: string, uri: string, position: Position): number | null {
    const key = keyOf(method, uri, position);
    const at = this.readAt.get(key);
    if (at === undefined) return null;
    this.readAt.delete(key);
    return at;
  }
}
