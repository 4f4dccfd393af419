import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// A local HTTP server on 127.0.0.1 that replays recorded responses, for the HTTP inference backends.

export type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>;

export interface FakeHttpServer {
  base: string;
  /** `"METHOD /path"` → handler; unrouted requests get `notFound`. */
  routes: Record<string, Handler>;
  seen: Array<{ path: string; body: string; auth: string | undefined }>;
  /** Paths whose response the client closed before it ended. */
  closedEarly: string[];
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeHttpServer(notFound: Handler): Promise<FakeHttpServer> {
  let server: Server | null = null;
  const fake: FakeHttpServer = {
    base: "",
    routes: {},
    seen: [],
    closedEarly: [],
    reset() {
      fake.routes = {};
      fake.seen = [];
      fake.closedEarly = [];
    },
    async close() {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    },
  };
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0] ?? "";
      fake.seen.push({ path, body, auth: req.headers.authorization });
      res.on("close", () => {
        if (!res.writableFinished) fake.closedEarly.push(path);
      });
      void (fake.routes[`${req.method} ${path}`] ?? notFound)(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  fake.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

export const jsonResponse = (status: number, value: unknown, headers: Record<string, string> = {}): Handler => (_q, _b, res) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
};

/** Writes the recorded pieces one by one, `delayMs` apart. */
export const streamed = (contentType: string, pieces: string[], delayMs = 0): Handler => async (_q, _b, res) => {
  res.writeHead(200, { "content-type": contentType, "cache-control": "no-cache" });
  for (const p of pieces) {
    if (res.destroyed) return;
    res.write(p);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
  }
  res.end();
};

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  return port;
}
