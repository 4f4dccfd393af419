// A position in a text, built once per completion request and handed down to the engine, so no layer slices
// the text or looks for the line start again. Each field is computed on first use and kept: a cache hit reads
// only the prefix and suffix, and on a large document every extra slice copies the whole buffer.

export class Cursor {
  private textMemo: string | undefined;
  private prefixMemo: string | undefined;
  private suffixMemo: string | undefined;
  private lineStartMemo = -1;
  private lineEndMemo = -1;

  private constructor(
    /** UTF-16 offset of the cursor in `text`. */
    readonly offset: number,
    text: string | undefined,
    prefix?: string,
    suffix?: string,
  ) {
    this.textMemo = text;
    this.prefixMemo = prefix;
    this.suffixMemo = suffix;
  }

  /** The cursor at `offset` in `text`. Not checked: see `inside`. */
  static at(text: string, offset: number): Cursor {
    return new Cursor(offset, text);
  }

  /** The cursor between `prefix` and `suffix`; their join is made only if someone reads `text`. */
  static between(prefix: string, suffix: string): Cursor {
    return new Cursor(prefix.length, undefined, prefix, suffix);
  }

  /** Whether the offset is a whole number within the text. */
  get inside(): boolean {
    return Number.isInteger(this.offset) && this.offset >= 0 && this.offset <= this.length;
  }

  get length(): number {
    return this.textMemo?.length ?? this.prefix.length + this.suffix.length;
  }

  get text(): string {
    this.textMemo ??= this.prefix + this.suffix;
    return this.textMemo;
  }

  /** Everything before the cursor. */
  get prefix(): string {
    this.prefixMemo ??= this.text.slice(0, this.offset);
    return this.prefixMemo;
  }

  /** Everything from the cursor on. */
  get suffix(): string {
    this.suffixMemo ??= this.text.slice(this.offset);
    return this.suffixMemo;
  }

  /** Offset where the cursor's line starts. */
  get lineStart(): number {
    if (this.lineStartMemo < 0) {
      // lastIndexOf treats a negative position as 0, which would find a newline at 0: hence the guard.
      const before = this.textMemo === undefined ? this.prefix.lastIndexOf("\n") : this.offset === 0 ? -1 : this.textMemo.lastIndexOf("\n", this.offset - 1);
      this.lineStartMemo = before + 1;
    }
    return this.lineStartMemo;
  }

  /** Offset of the newline that ends the cursor's line, or the text's length when it is the last line. */
  get lineEnd(): number {
    if (this.lineEndMemo < 0) {
      let newline: number;
      if (this.textMemo !== undefined) newline = this.textMemo.indexOf("\n", this.offset);
      else {
        const inSuffix = this.suffix.indexOf("\n");
        newline = inSuffix < 0 ? -1 : this.offset + inSuffix;
      }
      this.lineEndMemo = newline < 0 ? this.length : newline;
    }
    return this.lineEndMemo;
  }

  /** Whether a newline follows on the cursor's line (it is not the text's last line). */
  get hasLineAfter(): boolean {
    return this.lineEnd < this.length;
  }

  /** The cursor's line up to the cursor. */
  get linePrefix(): string {
    return this.textMemo === undefined ? this.prefix.slice(this.lineStart) : this.textMemo.slice(this.lineStart, this.offset);
  }

  /** The cursor's line from the cursor on, without its newline. */
  get lineSuffix(): string {
    return this.textMemo === undefined ? this.suffix.slice(0, this.lineEnd - this.offset) : this.textMemo.slice(this.offset, this.lineEnd);
  }

  /** The same place with the `count` characters before the cursor deleted. */
  deleteBefore(count: number): Cursor {
    return count === 0 ? this : Cursor.between(this.prefix.slice(0, this.offset - count), this.suffix);
  }

  /** The same place in the slice [start, end) of the text (which must hold the cursor). */
  within(start: number, end: number): Cursor {
    return Cursor.at(this.text.slice(start, end), this.offset - start);
  }
}
