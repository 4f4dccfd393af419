import { AbstractMessageReader, type DataCallback, type Disposable, type Message, type MessageReader } from "vscode-languageserver/node";

export interface FramedReaderOptions {
  /** A frame whose body stops arriving for this long is dropped (the timer restarts on every byte). */
  stallTimeoutMs: number;
  /** Larger declared bodies are refused outright rather than buffered. */
  maxContentLength: number;
  /** One line per dropped frame. */
  log(line: string): void;
  /** A complete frame whose body is not JSON: the caller answers it with ParseError. */
  onUndecodable(reason: string): void;
}

import { StreamedBody } from "./StreamedBody.js";

/** Bodies from this size on are parsed as they arrive (StreamedBody.ts), never as one buffer. */
const STREAMED_BODY_BYTES = 1024 * 1024;
const HEADER_END = Buffer.from("\r\n\r\n", "latin1");
const MAX_HEADER_BYTES = 8192;
const CONTENT_LENGTH = /content-length[ \t]*:[ \t]*(\d+)[ \t]*(?:\r\n|$)/gi;

/**
 * The `Content-Length` framing of JSON-RPC over a byte stream, like vscode-jsonrpc's reader, except that a
 * frame whose body never arrives does not leave the connection deaf: after `stallTimeoutMs` without progress
 * it is dropped with a log line, and reading resumes at the next `Content-Length` header already received.
 */
export class FramedReader extends AbstractMessageReader implements MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The body length of the frame being read, or -1 while reading headers. */
  private bodyLength = -1;
  private stallTimer: NodeJS.Timeout | undefined;
  private callback: DataCallback | undefined;
  /** The large body being parsed as it arrives, and how many of its bytes it has had. */
  private streamed: { body: StreamedBody; bytes: number } | null = null;

  constructor(private readonly input: NodeJS.ReadableStream, private readonly options: FramedReaderOptions) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer | string) => this.receive(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
    const onError = (error: Error) => this.fireError(error);
    const onClose = () => {
      this.clearStall();
      this.fireClose();
    };
    this.input.on("data", onData);
    this.input.on("error", onError);
    this.input.on("end", onClose);
    this.input.on("close", onClose);
    return {
      dispose: () => {
        this.input.off("data", onData);
        this.input.off("error", onError);
        this.input.off("end", onClose);
        this.input.off("close", onClose);
        this.clearStall();
      },
    };
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.clearStall();
    this.drain();
  }

  private drain(): void {
    for (;;) {
      if (this.bodyLength < 0 && !this.readHeaders()) break;
      if (this.bodyLength < 0) continue;
      if (this.bodyLength >= STREAMED_BODY_BYTES) {
        if (!this.stream()) break;
        continue;
      }
      if (this.buffered < this.bodyLength) break;
      const body = this.take(this.bodyLength);
      this.bodyLength = -1;
      this.deliver(() => JSON.parse(body.toString("utf8")));
    }
    if (this.buffered > 0 || this.streamed) this.armStall();
  }

  /** Parses one header block; false when it is not complete yet. A bad block is dropped (bodyLength stays -1). */
  private readHeaders(): boolean {
    const head = this.all();
    const end = head.indexOf(HEADER_END);
    if (end < 0) {
      if (head.length <= MAX_HEADER_BYTES) return false;
      this.resync(`a header of over ${MAX_HEADER_BYTES} bytes without an end`);
      return true;
    }
    const lines = head.subarray(0, end).toString("latin1").split("\r\n");
    this.take(end + HEADER_END.length);
    // The last Content-Length in the block: leftovers of a broken frame may run into the next frame's header.
    const value = [...lines.join("\r\n").matchAll(CONTENT_LENGTH)].at(-1)?.[1];
    const length = value !== undefined ? Number(value) : NaN;
    if (Number.isNaN(length)) {
      this.options.log(`dhi: dropped a JSON-RPC frame without a valid Content-Length header (${JSON.stringify(lines.join(" | ").slice(0, 120))})`);
      return true;
    }
    if (length > this.options.maxContentLength) {
      this.options.log(`dhi: dropped a JSON-RPC frame of ${length} bytes (the limit is ${this.options.maxContentLength})`);
      this.resync("the rest of an oversized frame");
      return true;
    }
    this.bodyLength = length;
    return true;
  }

  /** Feeds the buffered bytes of a large body to its parser; true once the body is complete (and delivered). */
  private stream(): boolean {
    const streamed = (this.streamed ??= { body: new StreamedBody(), bytes: 0 });
    // The bytes stay buffered (not copied) until the body is complete: if it stalls, resync still finds the
    // frames that arrived after it.
    let skip = streamed.bytes;
    for (const chunk of this.chunks) {
      if (streamed.bytes >= this.bodyLength) break;
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const part = chunk.subarray(skip, skip + this.bodyLength - streamed.bytes);
      skip = 0;
      streamed.bytes += part.length;
      streamed.body.push(part);
    }
    if (streamed.bytes < this.bodyLength) return false;
    this.drop(this.bodyLength);
    this.streamed = null;
    this.bodyLength = -1;
    this.deliver(() => streamed.body.finish());
    return true;
  }

  /** Drops `count` buffered bytes without joining the chunks. */
  private drop(count: number): void {
    let left = count;
    while (left > 0 && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const used = Math.min(left, first.length);
      if (used === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(used);
      left -= used;
    }
    this.buffered -= count - left;
  }

  private deliver(parse: () => unknown): void {
    let message: Message;
    try {
      message = parse() as Message;
    } catch (error) {
      const reason = `dhi: a JSON-RPC frame is not valid JSON (${error instanceof Error ? error.message : String(error)})`;
      this.options.log(reason);
      this.options.onUndecodable(reason);
      return;
    }
    this.callback?.(message);
  }

  private armStall(): void {
    if (this.stallTimer) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      const what = this.bodyLength >= 0 ? `a frame declaring Content-Length ${this.bodyLength} received only ${this.buffered} bytes` : `${this.buffered} bytes never formed a header`;
      this.options.log(`dhi: dropped a stalled JSON-RPC frame: ${what} in ${this.options.stallTimeoutMs} ms`);
      this.bodyLength = -1;
      this.streamed = null;
      this.resync("a stalled frame");
      this.drain();
    }, this.options.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private clearStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  /** Drops bytes up to the next `Content-Length` header after the start (or all of them). */
  private resync(what: string): void {
    const text = this.all().toString("latin1");
    const next = text.slice(1).search(/content-length\s*:/i);
    const dropped = next < 0 ? this.buffered : next + 1;
    this.take(dropped);
    if (dropped > 0 && what !== "a stalled frame") this.options.log(`dhi: skipped ${dropped} bytes of ${what}`);
  }

  /** All buffered bytes as one Buffer (joined lazily: bodies arrive in many chunks). */
  private all(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private take(count: number): Buffer {
    const joined = this.all();
    const taken = joined.subarray(0, count);
    const rest = joined.subarray(count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return taken;
  }
}
