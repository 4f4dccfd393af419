import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../server/cli/args.js";
import { downloadErrorMessage, run } from "../../server/cli/commands/models.js";
import { defaultSettings } from "../../server/config/schema.js";
import { DEFAULT_EMBEDDING_MODEL } from "../../server/index/defaultEmbeddingModel.js";
import { embeddingReadiness } from "../../server/index/embeddingReadiness.js";
import { EMBED_MODEL } from "../helpers/paths.js";

// `dhi models pull` up to the network boundary: an unreachable host must give one clear line and exit 1.

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env, cwd: process.cwd() };
  return { cli, out, err };
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("dhi models", () => {
  it("pull from an unreachable host: exit 1 and one clear offline line", async () => {
    const port = await closedPort();
    const { cli, err } = io({ DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-models-")) });
    const code = await run(["pull", "--model", `http://127.0.0.1:${port}/model.gguf`, "--no-draft"], cli);
    expect(code).toBe(1);
    const message = err.join("").trim().split("\n").at(-1) ?? "";
    expect(message).toMatch(/^dhi: cannot download http:\/\/127\.0\.0\.1:\d+\/model\.gguf: the model host is unreachable \(offline\?/);
    expect(message).toContain('"model.path"');
  });

  it("pull of hf: URIs goes through the resolver's endpoint (HF_ENDPOINT) and fails clearly offline", async () => {
    const port = await closedPort();
    const { cli, err } = io({ DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-models-")), HF_ENDPOINT: `http://127.0.0.1:${port}/` });
    expect(await run(["pull", "--no-draft"], cli)).toBe(1);
    expect(err.join("")).toMatch(/cannot download hf:ggml-org\/Qwen2\.5-Coder-1\.5B-Q8_0-GGUF.*unreachable \(offline\? ECONNREFUSED\)/);
  });

  it("bad usage is a UsageError; local files need no download; list shows the cache", async () => {
    await expect(run(["fetch"], io().cli)).rejects.toThrow(/usage: dhi models pull/);
    const dir = mkdtempSync(join(tmpdir(), "dhi-models-"));
    const file = join(dir, "local.gguf");
    writeFileSync(file, "GGUF");
    const { cli, out } = io({ DHI_CACHE_DIR: dir });
    expect(await run(["pull", "--model", file, "--no-draft", "--no-embedding"], cli)).toBe(0);
    expect(out.join("")).toContain(`model: ${file}`);
    expect(downloadErrorMessage("hf:x/y", new Error("404 Not Found"))).toBe("dhi: cannot download hf:x/y: 404 Not Found");
  });
});

/** A stand-in for the hub: serves the test embedder's files at the default model's pinned revision. */
async function fakeHub(options: { missing?: string } = {}): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const prefix = `/${DEFAULT_EMBEDDING_MODEL.id}/resolve/${DEFAULT_EMBEDDING_MODEL.revision}/`;
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const file = req.url?.startsWith(prefix) ? req.url.slice(prefix.length) : "";
    if (!file || file === options.missing || !(DEFAULT_EMBEDDING_MODEL.files as readonly string[]).includes(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    const body = readFileSync(join(EMBED_MODEL, file));
    res.writeHead(200, { "content-length": body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests, server };
}

describe("dhi models pull: the default embedding model", () => {
  const localModel = () => {
    const file = join(mkdtempSync(join(tmpdir(), "dhi-models-")), "local.gguf");
    writeFileSync(file, "GGUF");
    return file;
  };

  it("downloads it with progress into the model cache, where \"default\" then finds it; a second pull downloads nothing", async () => {
    const hub = await fakeHub();
    try {
      const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-models-")), HF_ENDPOINT: hub.url };
      expect(embeddingReadiness(defaultSettings(), env).ready).toBe(false);
      const { cli, out, err } = io(env);
      expect(await run(["pull", "--model", localModel(), "--no-draft"], cli)).toBe(0);
      const readiness = embeddingReadiness(defaultSettings(), env);
      expect(readiness).toMatchObject({ ready: true, model: { name: DEFAULT_EMBEDDING_MODEL.id, dtype: "q8" } });
      expect(out.join("")).toContain(`embedding model: ${readiness.ready ? readiness.model.dir : "?"}`);
      expect(err.join("")).toMatch(/jina-embeddings-v2-base-code\/onnx\/model_quantized\.onnx \[#+\] 100\.0%/);
      expect(hub.requests).toHaveLength(DEFAULT_EMBEDDING_MODEL.files.length);
      expect(await run(["pull", "--model", localModel(), "--no-draft"], io(env).cli)).toBe(0);
      expect(hub.requests).toHaveLength(DEFAULT_EMBEDDING_MODEL.files.length);
    } finally {
      hub.server.close();
    }
  });

  it("a failed file leaves no model that looks complete, and says which file", async () => {
    const hub = await fakeHub({ missing: "config.json" });
    try {
      const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-models-")), HF_ENDPOINT: hub.url };
      const { cli, err } = io(env);
      expect(await run(["pull", "--model", localModel(), "--no-draft"], cli)).toBe(1);
      expect(err.join("").trim().split("\n").at(-1)).toMatch(/^dhi: cannot download jinaai\/jina-embeddings-v2-base-code: .*config\.json: HTTP 404/);
      expect(embeddingReadiness(defaultSettings(), env).ready).toBe(false);
    } finally {
      hub.server.close();
    }
  });

  it("from an unreachable hub: exit 1 and one clear offline line that says how to do without", async () => {
    const port = await closedPort();
    const env = { DHI_CACHE_DIR: mkdtempSync(join(tmpdir(), "dhi-models-")), HF_ENDPOINT: `http://127.0.0.1:${port}/` };
    const { cli, err } = io(env);
    expect(await run(["pull", "--model", localModel(), "--no-draft"], cli)).toBe(1);
    const message = err.join("").trim().split("\n").at(-1) ?? "";
    expect(message).toMatch(/^dhi: cannot download jinaai\/jina-embeddings-v2-base-code: the model host is unreachable \(offline\? ECONNREFUSED\)/);
    expect(message).toContain("DHI_EMBED_MODEL");
    expect(existsSync(join(env.DHI_CACHE_DIR, "models", DEFAULT_EMBEDDING_MODEL.id, "config.json"))).toBe(false);
  });
});
