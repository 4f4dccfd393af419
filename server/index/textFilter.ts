/** Why a file's bytes are not indexed, or null when they are fine. */
export function unindexableReason(bytes: Buffer, maxFileBytes: number): string | null {
  if (bytes.length > maxFileBytes) return `larger than index.maxFileBytes (${bytes.length} > ${maxFileBytes})`;
  // A NUL byte in the first 8 KB is how git decides a file is binary, too.
  if (bytes.subarray(0, 8192).includes(0)) return "binary";
  return null;
}

/** Minified or generated one-line blobs carry no useful chunks and slow every stage down. */
export function looksMinified(text: string): boolean {
  if (text.length < 20_000) return false;
  let lines = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
  return text.length / lines > 300;
}
