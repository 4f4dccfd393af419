import { Writable } from "node:stream";

/** Keeps the first and last `limit / 2` bytes of a stream and counts what falls between. */
export class CappedOutput {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private readonly half: number;

  constructor(limit: number) {
    this.half = Math.max(1, Math.floor(limit / 2));
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headBytes < this.half) {
      const take = Math.min(this.half - this.headBytes, chunk.length);
      this.head.push(chunk.subarray(0, take));
      this.headBytes += take;
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    // Drop whole chunks that fell out of the tail window; trim the rest only when reading.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.half) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  get cutBytes(): number {
    return Math.max(0, this.total - this.headBytes - Math.min(this.tailBytes, this.half));
  }

  get truncated(): boolean {
    return this.cutBytes > 0;
  }

  text(): string {
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.half) tail = tail.subarray(tail.length - this.half);
    const head = Buffer.concat(this.head).toString("utf8");
    if (!this.truncated) return head + tail.toString("utf8");
    return `${head}\n[… ${this.cutBytes} bytes cut …]\n${tail.toString("utf8")}`;
  }

  /** A Writable feeding this buffer, for stream APIs such as dockerode's demuxStream. */
  writable(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        callback();
      },
    });
  }
}
