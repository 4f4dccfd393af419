// Per-run overhead of each sandbox backend: `true` in a small project, measured end to end
// (copy, create, start, wait, remove), against spawning `sh -c true` on the host. Prints JSON.
// Usage: npm run build && node bench/sandbox.mjs [RUNS]   (Docker: source the env.sh of .ci/docker-up.sh first)
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { defaultSettings } from "../dist/config/schema.js";
import { createSandbox } from "../dist/sandbox/createSandbox.js";
import { Logger } from "../dist/util/logger.js";

const runs = Number(process.argv[2] ?? 20);
const work = mkdtempSync(join(tmpdir(), "dhi-bench-sandbox-"));
const project = join(work, "project");
mkdirSync(join(project, "src"), { recursive: true });
writeFileSync(join(project, "package.json"), '{"name":"bench","version":"1.0.0"}\n');
for (let i = 0; i < 50; i++) writeFileSync(join(project, "src", `f${i}.js`), `export const v${i} = ${i};\n`);

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { runs: sorted.length, medianMs: round(at(0.5)), p90Ms: round(at(0.9)), minMs: round(sorted[0]), maxMs: round(sorted.at(-1)) };
}
const round = (ms) => Math.round(ms * 10) / 10;

const host = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  spawnSync("sh", ["-c", "true"]);
  host.push(performance.now() - t);
}

const result = { runs, projectFiles: 51, host: stats(host), backends: {} };
for (const backend of ["docker", "bwrap"]) {
  const sandbox = createSandbox({
    settings: { ...defaultSettings().sandbox, backend },
    logger: new Logger("error"),
    cacheDir: join(work, `cache-${backend}`),
  });
  const readiness = await sandbox.readiness();
  if (!readiness.ready) {
    result.backends[backend] = { available: false, detail: readiness.detail };
    continue;
  }
  const options = { cmd: "true", projectDir: project, timeoutMs: 30_000, memoryMb: 512, network: false, image: "dhi-sandbox/node:local", env: { PATH: "/usr/bin:/bin" } };
  await sandbox.run(options); // warm-up: first ping, image lookup, page cache
  const wall = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const run = await sandbox.run(options);
    wall.push(performance.now() - t);
    if (run.exitCode !== 0) throw new Error(`${backend}: \`true\` exited ${run.exitCode}: ${run.stderr}`);
  }
  const s = stats(wall);
  result.backends[backend] = { available: true, ...s, overheadMedianMs: round(s.medianMs - result.host.medianMs), detail: readiness.detail };
  await sandbox.dispose();
}
rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify(result, null, 2));
