import { AbortError, anySignal, sleep } from "../util/abort.js";
import { BackendError } from "./errors.js";

// HTTP for the OpenAI-compatible backend: timeouts, retries with backoff on 429/5xx and dropped
// connections, and one-line errors that say which setting is wrong.

export interface RequestOptions {
  method?: "GET" | "POST";
  body?: unknown;
  apiKey?: string | null;
  signal?: AbortSignal;
  /** Time allowed until response headers arrive. Defaults to 30 s. */
  timeoutMs?: number;
  /** Extra attempts after the first on 429/5xx/network errors. Defaults to 3. */
  retries?: number;
  /** First backoff; doubles per attempt. Defaults to 250 ms. */
  backoffMs?: number;
  /** The setting to name in errors. Defaults to "backend.url". */
  setting?: string;
}

const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Sends a request; resolves with an OK response (body not consumed) or throws a BackendError/AbortError. */
export async function request(url: string, options: RequestOptions = {}): Promise<Response> {
  const retries = options.retries ?? 3;
  const setting = options.setting ?? "backend.url";
  let lastError: BackendError | null = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (options.signal?.aborted) throw new AbortError();
    if (attempt > 0) await sleep(backoff(options.backoffMs ?? 250, attempt, lastError), options.signal);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), options.timeoutMs ?? 30_000);
    const signal = anySignal([options.signal, timeout.signal]);
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method ?? (options.body === undefined ? "GET" : "POST"),
        headers: {
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
          accept: "application/json, text/event-stream",
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
    } catch (error) {
      clearTimeout(timer);
      if (options.signal?.aborted) throw new AbortError();
      if (timeout.signal.aborted) {
        lastError = new BackendError(`dhi: ${url} (from "${setting}") did not answer within ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s`);
        continue;
      }
      lastError = networkError(url, setting, error);
      if (lastError.message.includes("connection refused") || lastError.message.includes("host not found")) throw lastError;
      continue;
    }
    clearTimeout(timer);
    if (response.ok) return response;
    const detail = await errorDetail(response);
    const error = statusError(url, setting, response.status, detail);
    if (!RETRY_STATUS.has(response.status)) throw error;
    lastError = Object.assign(error, { retryAfterMs: retryAfter(response) });
  }
  throw lastError ?? new BackendError(`dhi: request to ${url} failed`);
}

function backoff(base: number, attempt: number, last: BackendError | null): number {
  const hinted = last && "retryAfterMs" in last && typeof last.retryAfterMs === "number" ? last.retryAfterMs : null;
  return Math.min(10_000, hinted ?? base * 2 ** (attempt - 1));
}

function retryAfter(response: Response): number | null {
  const v = response.headers.get("retry-after");
  if (v == null) return null;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

async function errorDetail(response: Response): Promise<string> {
  try {
    const text = (await response.text()).trim();
    try {
      const json = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
      const m = typeof json.error === "string" ? json.error : (json.error?.message ?? json.message);
      if (typeof m === "string") return m.split("\n")[0] ?? "";
    } catch {
      // not JSON: use the text
    }
    return text.split("\n")[0]?.slice(0, 200) ?? "";
  } catch {
    return "";
  }
}

export function statusError(url: string, setting: string, status: number, detail: string): BackendError {
  const why = detail ? `: ${detail}` : "";
  switch (status) {
    case 401:
    case 403:
      return new BackendError(`dhi: ${url} rejected the request (${status} ${status === 401 ? "Unauthorized" : "Forbidden"})${why}. Check "backend.apiKey".`, status);
    case 404:
      return new BackendError(
        `dhi: ${url} does not exist (404)${why}. Check "${setting}" (the server root, e.g. http://127.0.0.1:8080, without /v1) and "backend.model".`,
        status,
      );
    case 429:
      return new BackendError(`dhi: ${url} is rate-limiting requests (429)${why}`, status);
    default:
      return new BackendError(`dhi: ${url} answered ${status}${why}`, status);
  }
}

function networkError(url: string, setting: string, error: unknown): BackendError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = cause instanceof Error && "code" in cause ? String(cause.code) : "";
  if (code === "ECONNREFUSED") return new BackendError(`dhi: cannot connect to ${url} (connection refused). Is the server running? Check "${setting}".`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new BackendError(`dhi: cannot connect to ${url} (host not found). Check "${setting}".`);
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new BackendError(`dhi: cannot reach ${url} (${code || msg}). Check "${setting}".`);
}
