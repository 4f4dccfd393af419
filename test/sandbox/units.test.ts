import { chmod, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CappedOutput } from "../../server/sandbox/CappedOutput.js";
import { createSandbox } from "../../server/sandbox/createSandbox.js";
import { dockerEndpoint } from "../../server/sandbox/dockerConnection.js";
import { prepareProjectCopy } from "../../server/sandbox/projectCopy.js";
import { detectProject } from "../../server/sandbox/projectKind.js";
import { runProjectTests } from "../../server/sandbox/runProjectTests.js";
import { SandboxError } from "../../server/sandbox/SandboxError.js";
import { makeProject, quietLogger, removeAll, settingsFor, tempDir } from "./helpers.js";

// The parts that need no engine: output capping, the project copy, detection, and the refusals.

const cleanup: string[] = [];
afterAll(() => removeAll(cleanup));

describe("CappedOutput", () => {
  it("keeps everything under the cap", () => {
    const out = new CappedOutput(100);
    out.push(Buffer.from("hello "));
    out.push(Buffer.from("world"));
    expect(out.text()).toBe("hello world");
    expect(out.truncated).toBe(false);
  });

  it("keeps the head and the tail and says how much was cut", () => {
    const out = new CappedOutput(20);
    for (let i = 0; i < 100; i++) out.push(Buffer.from(`${String(i).padStart(3, "0")}\n`));
    const text = out.text();
    expect(text.startsWith("000\n001\n"), text).toBe(true);
    expect(text.endsWith("098\n099\n"), text).toBe(true);
    expect(text).toContain("[… 380 bytes cut …]");
    expect(out.truncated, JSON.stringify(out)).toBe(true);
  });
});

describe("project copy", () => {
  it("applies the overlay to a copy; the user's files, inodes and link counts are untouched", async () => {
    const dir = await makeProject({ "a.txt": "original\n", "sub/b.txt": "bee\n", "del.txt": "x\n" });
    cleanup.push(dir);
    const before = await stat(join(dir, "a.txt"));
    const copy = await prepareProjectCopy({
      projectDir: dir,
      overlay: new Map<string, string | null>([["a.txt", "edited\n"], ["del.txt", null], ["new/c.txt", "sea\n"]]),
      writableDirs: ["cache/x"],
    });
    try {
      expect(await readFile(join(copy.projectDir, "a.txt"), "utf8")).toBe("edited\n");
      expect(await readFile(join(copy.projectDir, "sub/b.txt"), "utf8")).toBe("bee\n");
      expect(await readFile(join(copy.projectDir, "new/c.txt"), "utf8")).toBe("sea\n");
      await expect(stat(join(copy.projectDir, "del.txt"))).rejects.toThrow();
      expect((await stat(join(copy.projectDir, "cache/x"))).isDirectory()).toBe(true);
      expect((await stat(join(copy.projectDir, "a.txt"))).ino).not.toBe(before.ino);
      expect(copy.linked).toBeGreaterThan(0);
    } finally {
      await copy.dispose();
    }
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("original\n");
    expect(await readFile(join(dir, "del.txt"), "utf8")).toBe("x\n");
    const after = await stat(join(dir, "a.txt"));
    expect([after.ino, after.nlink, after.mtimeMs]).toEqual([before.ino, before.nlink, before.mtimeMs]);
    await expect(stat(copy.projectDir)).rejects.toThrow();
  });

  it("copies (never links) files the sandbox user could not read, and makes the copy readable", async () => {
    const dir = await makeProject({ "private.txt": "p\n" });
    cleanup.push(dir);
    await writeFile(join(dir, "private.txt"), "p\n", { mode: 0o600 });
    await chmod(join(dir, "private.txt"), 0o600);
    const copy = await prepareProjectCopy({ projectDir: dir });
    try {
      const info = await stat(join(copy.projectDir, "private.txt"));
      expect(info.ino).not.toBe((await stat(join(dir, "private.txt"))).ino);
      expect(info.mode & 0o004).toBe(0o004);
      expect((await stat(join(dir, "private.txt"))).mode & 0o777).toBe(0o600);
    } finally {
      await copy.dispose();
    }
  });

  it("refuses overlay paths that leave the project", async () => {
    const dir = await makeProject({ "a.txt": "a\n" });
    cleanup.push(dir);
    for (const bad of ["../escape.txt", "/etc/passwd", "a/../../x"]) {
      await expect(prepareProjectCopy({ projectDir: dir, overlay: new Map([[bad, "x"]]) })).rejects.toBeInstanceOf(SandboxError);
    }
  });

  it("refuses to write an overlay through a symlink out of the project", async () => {
    const dir = await makeProject({ "a.txt": "a\n" });
    const outside = await tempDir("dhi-outside-");
    cleanup.push(dir, outside);
    await symlink(outside, join(dir, "link"));
    await expect(prepareProjectCopy({ projectDir: dir, overlay: new Map([["link/evil.txt", "x"]]) })).rejects.toThrow(/symlink/);
    expect(await readdir(outside)).toEqual([]);
  });

  it("reports a missing project folder in one line", async () => {
    await expect(prepareProjectCopy({ projectDir: "/nonexistent/dhi-project" })).rejects.toThrow(/^dhi: project folder "\/nonexistent\/dhi-project" does not exist/);
  });
});

describe("project detection", () => {
  it("picks the test command and image from the marker files", async () => {
    const node = await makeProject({ "package.json": "{}" });
    const py = await makeProject({ "pyproject.toml": "" });
    const go = await makeProject({ "go.mod": "module x\n" });
    const rust = await makeProject({ "Cargo.toml": "" });
    const none = await makeProject({ "README": "" });
    cleanup.push(node, py, go, rust, none);
    expect(detectProject(node)).toMatchObject({ kind: "node", testCommand: "npm test", image: "dhi-sandbox/node:local" });
    expect(detectProject(py)).toMatchObject({ kind: "python", testCommand: "pytest", image: "dhi-sandbox/python:local" });
    expect(detectProject(go)).toMatchObject({ kind: "go", testCommand: "go test ./..." });
    expect(detectProject(rust)).toMatchObject({ kind: "rust", testCommand: "cargo test" });
    expect(detectProject(none)).toBeNull();
  });
});

describe("DOCKER_HOST", () => {
  it("is honoured for unix sockets and tcp, with the default socket otherwise", () => {
    expect(dockerEndpoint({}).options).toEqual({ socketPath: "/var/run/docker.sock" });
    expect(dockerEndpoint({ DOCKER_HOST: "unix:///tmp/x.sock" }).options).toEqual({ socketPath: "/tmp/x.sock" });
    expect(dockerEndpoint({ DOCKER_HOST: "tcp://10.0.0.5:2375" }).options).toEqual({ host: "10.0.0.5", port: "2375", protocol: "http" });
  });
});

describe("refusals are one clear line, never a host fallback", () => {
  it("the none backend refuses to run", async () => {
    const cacheDir = await tempDir("dhi-none-cache-");
    const dir = await makeProject({ "package.json": "{}" });
    cleanup.push(cacheDir, dir);
    const sandbox = createSandbox({ settings: settingsFor("none"), logger: quietLogger, cacheDir });
    await expect(sandbox.run({ cmd: "true", projectDir: dir, timeoutMs: 1000, memoryMb: 64, network: false })).rejects.toThrow(/sandbox.backend is "none".*never runs them on the host/);
    expect(await sandbox.readiness()).toMatchObject({ backend: "none", ready: false });
    await sandbox.dispose();
  });

  it("an unreachable Docker engine names the address and the fixes", async () => {
    const cacheDir = await tempDir("dhi-nodocker-cache-");
    const dir = await makeProject({ "package.json": "{}" });
    cleanup.push(cacheDir, dir);
    const error = await runProjectTests({
      projectDir: dir,
      settings: settingsFor("docker"),
      logger: quietLogger,
      cacheDir,
      env: { DOCKER_HOST: "unix:///nonexistent/docker.sock" },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as Error).message).toMatch(/^dhi: cannot reach Docker at unix:\/\/\/nonexistent\/docker.sock .*DOCKER_HOST/);
    expect((error as Error).message).not.toContain("\n");
  });

  it("a project with no known test command asks for sandbox.testCommand", async () => {
    const cacheDir = await tempDir("dhi-nocmd-cache-");
    const dir = await makeProject({ "notes.txt": "" });
    cleanup.push(cacheDir, dir);
    await expect(runProjectTests({ projectDir: dir, settings: settingsFor("bwrap"), logger: quietLogger, cacheDir })).rejects.toThrow(/set sandbox.testCommand/);
  });
});
