// Starts a locally built llama-server (bench/setup-llama-server.sh) on a free port; bench/test set-up only.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export async function startLlamaServer({ model, threads = 1, contextSize = 2048, extraArgs = [] }) {
  const setup = spawnSync("bash", [fileURLToPath(new URL("./setup-llama-server.sh", import.meta.url))], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (setup.status !== 0) throw new Error("could not build llama-server (see above)");
  const bin = setup.stdout.trim().split("\n").at(-1);
  const port = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const args = ["-m", model, "--host", "127.0.0.1", "--port", String(port), "-t", String(threads), "-tb", String(threads), "-c", String(contextSize), "-np", "1", ...extraArgs];
  const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => (log = (log + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (i > 300 || child.exitCode !== null) {
      child.kill();
      throw new Error(`llama-server did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, bin, stop: () => child.kill() };
}
