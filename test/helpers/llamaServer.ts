import { spawn } from "node:child_process";
import { createServer } from "node:net";

// llama.cpp's own llama-server, built by bench/setup-llama-server.sh from the llama.cpp release node-llama-cpp
// bundles. CI builds it and sets DHI_LLAMA_SERVER_BIN; elsewhere the tests that need it skip and say how to run them.

export const LLAMA_SERVER_BIN = process.env.DHI_LLAMA_SERVER_BIN;
export const HOW_TO_GET_LLAMA_SERVER =
  "DHI_LLAMA_SERVER_BIN is not set: run `bash bench/setup-llama-server.sh` (about 10 minutes on 2 cores) and export DHI_LLAMA_SERVER_BIN=<the path it prints>";

export interface LlamaServer {
  url: string;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `bin` on a free local port with `-m model` and `args`; resolves once /health answers. */
export async function startLlamaServer(bin: string, model: string, args: readonly string[]): Promise<LlamaServer> {
  const port = await freePort();
  const child = spawn(bin, ["-m", model, "--host", "127.0.0.1", "--port", String(port), ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    const healthy = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (attempt > 300 || child.exitCode !== null) {
      child.kill();
      throw new Error(`llama-server did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, stop: () => child.kill() };
}

export interface InfillAnswer {
  text: string;
  /** Evaluated prompt tokens (what the server's prompt cache did not hold). */
  evaluated: number;
}

/**
 * Greedy /infill as llama.vim asks for it: the lines before the cursor line as `input_prefix`, the cursor line's head
 * as `prompt`, the prompt cache on.
 */
export async function llamaServerInfill(server: LlamaServer, prefix: string, suffix: string, nPredict: number): Promise<InfillAnswer> {
  const lineStart = prefix.lastIndexOf("\n") + 1;
  const response = await fetch(`${server.url}/infill`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      input_prefix: prefix.slice(0, lineStart),
      prompt: prefix.slice(lineStart),
      input_suffix: suffix,
      n_predict: nPredict,
      temperature: 0,
      top_k: 1,
      samplers: ["top_k"],
      cache_prompt: true,
      stream: false,
    }),
  });
  const json = (await response.json()) as { content: string; timings?: { prompt_n?: number } };
  return { text: json.content, evaluated: json.timings?.prompt_n ?? 0 };
}
