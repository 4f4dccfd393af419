import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DRAFT_MODEL, FIM_MODEL } from "./paths.js";

// A stand-in for the Hugging Face host (HF_ENDPOINT): it serves the tiny real models under the default
// models' URLs, so `dhi models pull` / `dhi setup` run for real up to the network. `slow` serves a
// 48 MB body, 1 MB every 100 ms, big enough that the downloader writes to disk before a test interrupts it.

export interface ModelHost {
  url: string;
  /** GET requests for .gguf files so far. */
  downloads: string[];
  /** Bytes of model data sent so far. */
  sentBytes: () => number;
  close: () => Promise<void>;
}

export async function startModelHost(options: { slow?: boolean } = {}): Promise<ModelHost> {
  const target = readFileSync(FIM_MODEL);
  const draft = readFileSync(DRAFT_MODEL);
  const downloads: string[] = [];
  let sent = 0;
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (!url.includes(".gguf")) {
      res.writeHead(404).end();
      return;
    }
    const body = options.slow ? Buffer.alloc(48 * 1024 * 1024) : url.includes("0.5b") ? draft : target;
    res.writeHead(200, { "content-length": body.length, "content-type": "application/octet-stream" });
    if (req.method === "HEAD") return void res.end();
    downloads.push(url);
    if (!options.slow) {
      sent += body.length;
      return void res.end(body);
    }
    let offset = 0;
    const timer = setInterval(() => {
      const chunk = body.subarray(offset, offset + 1024 * 1024);
      offset += chunk.length;
      sent += chunk.length;
      if (offset >= body.length) {
        clearInterval(timer);
        res.end(chunk);
      } else res.write(chunk);
    }, 100);
    res.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    downloads,
    sentBytes: () => sent,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
