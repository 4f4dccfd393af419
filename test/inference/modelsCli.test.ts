import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../server/cli/args.js";
import { downloadErrorMessage, run } from "../../server/cli/commands/models.js";

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
    expect(await run(["pull", "--model", file, "--no-draft"], cli)).toBe(0);
    expect(out.join("")).toContain(`model: ${file}`);
    expect(downloadErrorMessage("hf:x/y", new Error("404 Not Found"))).toBe("dhi: cannot download hf:x/y: 404 Not Found");
  });
});
