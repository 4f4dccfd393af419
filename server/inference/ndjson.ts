// Newline-delimited JSON, as Ollama streams /api/generate and /api/chat: one object per line.

/** Decodes an NDJSON byte stream; blank lines are skipped, a line that is not JSON is an error naming it. */
export async function* parseNdjson(body: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffer = "";
  const parseLine = (line: string): unknown => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new Error(`dhi: the server sent a line that is not JSON: ${line.slice(0, 120)}`);
    }
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line !== "") yield parseLine(line);
    }
  }
  const rest = (buffer + decoder.decode()).trim();
  if (rest !== "") yield parseLine(rest);
}
