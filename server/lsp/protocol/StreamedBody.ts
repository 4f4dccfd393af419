import { ChunkedTextBuilder } from "../../text/ChunkedText.js";
import { rememberLongText } from "../documents/longTexts.js";

// A frame of several megabytes (a 20 MB didOpen) parsed in one go blocks the server's thread for the UTF-8
// decoding, the JSON.parse and the flattening of its text: over half a second on a shared core. Here its body
// is parsed as its bytes arrive, each part costing what it holds: long strings go into a ChunkedTextBuilder as
// they are unescaped, the rest of the message (small) is parsed once at the end.

/** Strings longer than this (raw JSON) are built in chunks; shorter ones stay in the message's skeleton. */
const LONG_STRING = 64 * 1024;
const QUOTE = 34;
const BACKSLASH = 92;
const LETTER_U = 117;
const placeholder = (n: number) => `\u0000dhi-long-string-${n}`;

export class StreamedBody {
  private readonly decoder = new TextDecoder();
  /** The message's JSON with each long string replaced by a placeholder string. */
  private readonly skeleton: string[] = [];
  private readonly longStrings: ChunkedTextBuilder[] = [];
  private inString = false;
  /** Units of an escape still to come: 1 after "\", 4 after "\u". */
  private escape = 0;
  /** The open string's raw JSON not yet unescaped. */
  private raw = "";
  private builder: ChunkedTextBuilder | null = null;

  /** Why the body is not JSON (the rest is still read, to find the next frame; finish() throws it). */
  private error: unknown = null;

  push(bytes: Uint8Array): void {
    if (this.error) return;
    try {
      this.scan(this.decoder.decode(bytes, { stream: true }));
    } catch (error) {
      this.error = error;
    }
  }

  /** The message; long strings are V8 ropes of their chunks, remembered for `OPEN_DOCUMENTS`. Throws on bad JSON. */
  finish(): unknown {
    if (!this.error) this.scan(this.decoder.decode());
    if (this.error) throw this.error;
    if (this.inString) throw new SyntaxError("Unterminated string in JSON");
    const texts = this.longStrings.map((builder) => rememberLongText(builder));
    return JSON.parse(this.skeleton.join(""), (_key, value: unknown) => {
      if (typeof value !== "string" || !value.startsWith("\u0000dhi-long-string-")) return value;
      const n = Number(value.slice(placeholder(0).length - 1));
      return value === placeholder(n) && texts[n] !== undefined ? texts[n] : value;
    });
  }

  private scan(text: string): void {
    let i = 0;
    while (i < text.length) {
      if (!this.inString) {
        const quote = text.indexOf('"', i);
        this.skeleton.push(text.slice(i, quote < 0 ? text.length : quote));
        if (quote < 0) return;
        this.inString = true;
        i = quote + 1;
        continue;
      }
      const start = i;
      for (; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (this.escape > 0) this.escape = this.escape === 1 && code === LETTER_U ? 4 : this.escape - 1;
        else if (code === BACKSLASH) this.escape = 1;
        else if (code === QUOTE) break;
      }
      this.raw += text.slice(start, i);
      if (i < text.length) {
        this.endString();
        i++;
      } else if (this.builder || this.raw.length > LONG_STRING) this.unescape();
    }
  }

  /** Moves the open string's raw JSON, up to any escape still incomplete, into its builder. */
  private unescape(): void {
    this.builder ??= new ChunkedTextBuilder();
    const cut = this.escape > 0 ? this.raw.lastIndexOf("\\") : this.raw.length;
    this.builder.append(JSON.parse(`"${this.raw.slice(0, cut)}"`) as string);
    this.raw = this.raw.slice(cut);
  }

  private endString(): void {
    this.inString = false;
    if (this.builder || this.raw.length > LONG_STRING) {
      this.unescape();
      this.skeleton.push(JSON.stringify(placeholder(this.longStrings.length)));
      this.longStrings.push(this.builder!);
      this.builder = null;
    } else {
      this.skeleton.push(`"${this.raw}"`);
    }
    this.raw = "";
  }
}
