/** Bytes looked at for a NUL: the first 8 KB, which is how git decides a file is binary, too. */
const SNIFF_BYTES = 8192;

const looksBinary = (bytes: Uint8Array): boolean => bytes.subarray(0, SNIFF_BYTES).includes(0);

/** Why a file's bytes are not indexed, or null when they are fine. */
export function unindexableReason(bytes: Buffer, maxFileBytes: number): string | null {
  if (bytes.length > maxFileBytes) return `larger than index.maxFileBytes (${bytes.length} > ${maxFileBytes})`;
  if (looksBinary(bytes)) return "binary";
  return null;
}

/**
 * An editor's text that would not be indexed from disk: binary (a NUL in its first 8 KB as UTF-8, the bytes the
 * file would have on disk) or minified. Never more than SNIFF_BYTES characters are encoded: each is a byte or more.
 */
export function unindexableText(text: string): boolean {
  return looksBinary(Buffer.from(text.slice(0, SNIFF_BYTES), "utf8")) || looksMinified(text);
}

/** Lines at least this long are machine-written (minified code, inlined base64/wasm, data blobs). */
const LONG_LINE = 1000;

/**
 * Minified or generated blobs carry no useful chunks and slow every stage down. A file counts as one when its
 * lines average over 300 characters, or when lines of LONG_LINE+ characters hold half of its text: bundles such
 * as `ort.min.mjs` keep a few thousand short lines around a minified core and would pass the average alone.
 */
export function looksMinified(text: string): boolean {
  if (text.length < 20_000) return false;
  let lines = 0;
  let longChars = 0;
  for (let start = 0; start <= text.length; lines++) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (end - start >= LONG_LINE) longChars += end - start;
    start = end + 1;
  }
  return text.length / lines > 300 || 2 * longChars >= text.length;
}
