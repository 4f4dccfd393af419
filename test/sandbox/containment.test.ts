import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../server/sandbox/AuditLog.js";
import { runProjectTests } from "../../server/sandbox/runProjectTests.js";
import type { Sandbox, SandboxBackend, SandboxRunOptions } from "../../server/sandbox/types.js";
import { engineStatus, makeProject, makeSandbox, NODE_IMAGE, PROBE_ENV, PROBE_GUARD, quietLogger, removeAll, settingsFor, shouldRun, tempDir } from "./helpers.js";

// The same containment suite against each real backend: nothing is mocked.

const BACKENDS: Exclude<SandboxBackend, "none">[] = ["docker", "bwrap"];

const PROBES = {
  "net.cjs": `${PROBE_GUARD}
const net = require("node:net");
const os = require("node:os");
function attempt(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (outcome) => { socket.destroy(); resolve(outcome); };
    socket.setTimeout(1500, () => done("timeout"));
    socket.once("connect", () => done("connected"));
    socket.once("error", (e) => done(e.code || "error"));
  });
}
(async () => {
  const local = await attempt("127.0.0.1", Number(process.argv[2]));
  const outside = await attempt("10.255.255.1", 80);
  console.log(JSON.stringify({ local, outside, interfaces: Object.keys(os.networkInterfaces()) }));
})();
`,
  "oom.cjs": `${PROBE_GUARD}
const keep = [];
for (let i = 0; i < 64; i++) keep.push(Buffer.alloc(16 * 1024 * 1024, 1)); // 1 GiB, every page touched
console.log("allocated", keep.length * 16, "MiB");
`,
  "forks.cjs": `${PROBE_GUARD}
const { spawn } = require("node:child_process");
let started = 0, refused = 0, pending = 300;
for (let i = 0; i < 300; i++) {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  child.once("spawn", () => { started++; if (--pending === 0) report(); });
  child.once("error", () => { refused++; if (--pending === 0) report(); });
}
function report() { console.log(JSON.stringify({ started, refused })); process.exit(0); }
`,
};

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of execFileSync("ls", ["-A", join(dir, rel)], { encoding: "utf8" }).split("\n").filter(Boolean)) {
      const path = join(dir, rel, name);
      const info = statSync(path);
      if (info.isDirectory()) walk(join(rel, name));
      else out[join(rel, name)] = `${createHash("sha256").update(readFileSync(path)).digest("hex")} ${info.mode} ${info.nlink} ${info.mtimeMs}`;
    }
  };
  walk("");
  return out;
}

for (const backend of BACKENDS) {
  const status = await engineStatus(backend);
  describe.runIf(shouldRun(backend, status))(`${backend} sandbox (real engine)`, () => {
    let sandbox: Sandbox;
    let cacheDir: string;
    let project: string;
    const cleanup: string[] = [];
    const run = (options: Partial<SandboxRunOptions> & { cmd: string }) =>
      sandbox.run({ projectDir: project, timeoutMs: 20_000, memoryMb: 512, network: false, env: PROBE_ENV, image: NODE_IMAGE, ...options });

    beforeAll(async () => {
      if (!status.ready) throw new Error(`CI needs the ${backend} sandbox backend: ${status.detail}`);
      cacheDir = await tempDir("dhi-sandbox-cache-");
      project = await makeProject({ "package.json": '{"name":"probe","version":"1.0.0"}\n', "src/keep.txt": "keep me\n", ...PROBES });
      cleanup.push(cacheDir, project);
      sandbox = makeSandbox(backend, cacheDir);
    });
    afterAll(async () => {
      await sandbox?.dispose();
      await removeAll(cleanup);
    });

    it("runs a passing project's tests and reports exit 0 with the output", async () => {
      const dir = await makeProject({
        "package.json": JSON.stringify({ name: "ok", version: "1.0.0", scripts: { test: "node test.js" } }),
        "test.js": 'console.log("suite-ok: all assertions held"); console.error("note on stderr");\n',
      });
      cleanup.push(dir);
      const result = await runProjectTests({ projectDir: dir, settings: settingsFor(backend, { timeoutMs: 30_000 }), logger: quietLogger, cacheDir });
      expect(result).toMatchObject({ backend, exitCode: 0, timedOut: false, oomKilled: false, command: "npm test" });
      expect(result.stdout).toContain("suite-ok: all assertions held");
      expect(result.stderr).toContain("note on stderr");
    });

    it("runs a failing project's tests and reports the non-zero exit and the failure", async () => {
      const dir = await makeProject({
        "package.json": JSON.stringify({ name: "bad", version: "1.0.0", scripts: { test: "node test.js" } }),
        "test.js": 'const assert = require("node:assert"); assert.strictEqual(1 + 1, 3, "arithmetic-is-broken");\n',
      });
      cleanup.push(dir);
      const result = await runProjectTests({ projectDir: dir, settings: settingsFor(backend, { timeoutMs: 30_000 }), logger: quietLogger, cacheDir });
      expect(result.exitCode).not.toBe(0);
      expect(result.timedOut).toBe(false);
      expect(result.stderr).toContain("arithmetic-is-broken");
    });

    it("has no network: a server on the host's 127.0.0.1 and an outside address are both unreachable", async () => {
      let connections = 0;
      const server: Server = createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as { port: number }).port;
      try {
        const result = await run({ cmd: `node net.cjs ${port}` });
        expect(result.exitCode, result.stderr).toBe(0);
        const probe = JSON.parse(result.stdout) as { local: string; outside: string; interfaces: string[] };
        expect(probe.local).not.toBe("connected");
        expect(probe.outside).not.toBe("connected");
        expect(probe.interfaces).toEqual(["lo"]);
        expect(connections).toBe(0);
      } finally {
        server.close();
      }
    });

    it("cannot write to the project or the root filesystem, only to /tmp", async () => {
      const before = await readFile(join(project, "package.json"), "utf8");
      const result = await run({
        cmd: 'echo pwned > package.json; a=$?; touch /work/new-file; b=$?; touch /evil; c=$?; echo ok > /tmp/t && cat /tmp/t; echo "codes $a $b $c"',
      });
      expect(result.stdout).toMatch(/^ok$/m);
      const [, a, b, c] = /codes (\d+) (\d+) (\d+)/.exec(result.stdout) ?? [];
      expect([a, b, c].every((code) => code !== "0"), JSON.stringify([a, b, c])).toBe(true);
      expect(result.stderr).toMatch(/Read-only file system/i);
      expect(await readFile(join(project, "package.json"), "utf8")).toBe(before);
      expect((await readdir(project)).includes("new-file")).toBe(false);
    });

    it("cannot read host files outside the project", async () => {
      const outside = await tempDir("dhi-host-marker-");
      cleanup.push(outside);
      const marker = join(outside, "secret.txt");
      await writeFile(marker, "host-secret-4242\n", { mode: 0o644 });
      const result = await run({ cmd: `cat ${marker}; echo "cat=$?"; cat /etc/hostname 2>/dev/null; ls /root /home 2>/dev/null | head -5` });
      expect(result.stdout).not.toContain("host-secret-4242");
      expect(result.stdout).toMatch(/cat=[1-9]/);
      const hostName = readFileSync("/etc/hostname", "utf8").trim();
      if (hostName) expect(result.stdout.split("\n")).not.toContain(hostName);
    });

    it("does not see the host's environment variables", async () => {
      process.env.DHI_HOST_ONLY_SECRET = "env-secret-9191";
      try {
        const result = await run({ cmd: "env" });
        expect(result.exitCode).toBe(0);
        expect(result.stdout).not.toContain("env-secret-9191");
        expect(result.stdout).not.toContain("DOCKER_HOST");
        expect(result.stdout).toContain("DHI_PROBE=inside-sandbox");
      } finally {
        delete process.env.DHI_HOST_ONLY_SECRET;
      }
    });

    it("kills an infinite loop at the timeout", async () => {
      const result = await run({ cmd: "while :; do :; done", timeoutMs: 1500 });
      expect(result.timedOut, JSON.stringify(result)).toBe(true);
      expect(result.exitCode).not.toBe(0);
      expect(result.durationMs).toBeGreaterThanOrEqual(1400);
      expect(result.durationMs).toBeLessThan(8000);
    });

    it("OOM-kills a 1 GiB allocation under a 512 MB cap", async () => {
      const result = await run({ cmd: "node oom.cjs", memoryMb: 512 });
      expect(result.stdout).not.toContain("allocated");
      expect(result.oomKilled, JSON.stringify(result)).toBe(true);
      expect(result.exitCode).toBe(137);
      expect(result.timedOut).toBe(false);
    });

    it("contains a fork bomb under the pids limit", async () => {
      const result = await run({ cmd: "node forks.cjs", pidsLimit: 64, timeoutMs: 15_000 });
      expect(result.exitCode, result.stderr).toBe(0);
      const { started, refused } = JSON.parse(result.stdout) as { started: number; refused: number };
      expect(started).toBeLessThan(64);
      expect(refused).toBeGreaterThan(0);
      expect(result.timedOut).toBe(false);
    });

    it("tests an overlay while the user's files stay byte-identical", async () => {
      const dir = await makeProject({ "package.json": '{"name":"o"}\n', "src/a.js": "export const a = 1;\n", "src/gone.js": "old\n" });
      cleanup.push(dir);
      const before = hashTree(dir);
      const overlay = new Map<string, string | null>([
        ["src/a.js", "export const a = 2;\n"],
        ["src/gone.js", null],
        ["src/new/b.js", "export const b = 3;\n"],
      ]);
      const result = await sandbox.run({
        cmd: "cat src/a.js src/new/b.js; test -e src/gone.js && echo gone-still-there; echo done",
        projectDir: dir,
        overlay,
        timeoutMs: 20_000,
        memoryMb: 256,
        network: false,
        env: PROBE_ENV,
        image: NODE_IMAGE,
      });
      expect(result.stdout).toBe("export const a = 2;\nexport const b = 3;\ndone\n");
      expect(hashTree(dir)).toEqual(before);
    });

    it("records every run in the audit log", () => {
      const log = AuditLog.inCacheDir(cacheDir);
      try {
        const rows = log.recent(100);
        expect(rows.length).toBeGreaterThanOrEqual(8);
        const loop = rows.find((row) => row.command === "while :; do :; done");
        expect(loop).toMatchObject({ backend, timedOut: true, timeoutMs: 1500, memoryMb: 512, network: false });
        expect(rows.some((row) => row.command === "npm test" && row.exitCode === 0 && row.stdout.includes("suite-ok")), JSON.stringify(rows)).toBe(true);
      } finally {
        log.close();
      }
    });

    it("abort mid-run rejects at once and leaves nothing running", async () => {
      const controller = new AbortController();
      const began = Date.now();
      const pending = run({ cmd: "sleep 31.4159", timeoutMs: 60_000, signal: controller.signal });
      setTimeout(() => controller.abort(), 1200);
      await expect(pending).rejects.toMatchObject({ name: "AbortError" });
      expect(Date.now() - began).toBeLessThan(10_000);
      const leftovers = execFileSync("sh", ["-c", "pgrep -f 'sleep 31[.]4159' || true"], { encoding: "utf8" }).trim();
      expect(leftovers).toBe("");
      if (backend === "docker") {
        const ps = execFileSync("docker", ["ps", "-a", "--filter", `label=dhi.pid=${process.pid}`, "--format", "{{.ID}}"], { encoding: "utf8" }).trim();
        expect(ps).toBe("");
      }
    });
  });
}
