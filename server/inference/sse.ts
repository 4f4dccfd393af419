// Server-sent events parsing for streaming completions (OpenAI-compatible servers, llama-server).

export interface SseEvent {
  event?: string;
  data: string;
}

/** Parses an SSE byte stream into events; handles CRLF, multi-line data and comments. */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let event: string | undefined;
  const flush = (): SseEvent | null => {
    if (data.length === 0) {
      event = undefined;
      return null;
    }
    const out: SseEvent = { data: data.join("\n"), ...(event !== undefined ? { event } : {}) };
    data = [];
    event = undefined;
    return out;
  };
  const lineOf = function* (line: string): Generator<SseEvent> {
    if (line === "") {
      const e = flush();
      if (e) yield e;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith("\r\n", nl) ? 2 : 1));
      yield* lineOf(line);
    }
  }
  buffer += decoder.decode();
  if (buffer !== "") yield* lineOf(buffer);
  const last = flush();
  if (last) yield last;
}

/** SSE events' JSON payloads, ending at `[DONE]`. Non-JSON data is an error naming the payload. */
export async function* parseSseJson(body: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  for await (const e of parseSse(body)) {
    const d = e.data.trim();
    if (d === "[DONE]") return;
    if (d === "") continue;
    try {
      yield JSON.parse(d) as unknown;
    } catch {
      throw new Error(`dhi: the server sent an event that is not JSON: ${d.slice(0, 120)}`);
    }
  }
}
