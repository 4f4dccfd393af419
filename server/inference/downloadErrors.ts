// Download failures of model files (`dhi models pull`, `dhi setup`, hf:/https model paths) as one line.

/** One line that says what failed and what to do; network failures are called out as such. */
export function downloadErrorMessage(
  uri: string,
  error: unknown,
  fix = 'Download the GGUF on another machine and set "model.path" or DHI_MODEL to the file.',
): string {
  const chain: string[] = [];
  const codes: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    chain.push(e.message);
    if ("code" in e && typeof e.code === "string") codes.push(e.code);
  }
  const text = `${chain.join(" ")} ${codes.join(" ")}`;
  const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|fetch failed|network|socket hang up/i.test(text);
  if (offline) {
    return `dhi: cannot download ${uri}: the model host is unreachable (offline?${codes[0] ? ` ${codes[0]}` : ""}). ${fix}`;
  }
  const first = (chain[0] ?? String(error)).split("\n")[0];
  return `dhi: cannot download ${uri}: ${first}`;
}
