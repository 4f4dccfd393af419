import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, lstatSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isRefusal, readBoundedFile, readWorkspaceBytes, readWorkspaceText, removeWorkspaceFile, statWorkspaceFile,
  UnsafeWriteError, writeWorkspaceFile,
} from "../../server/util/safeFiles.js";

// A workspace with every kind of hostile entry next to an outside folder holding a "secret".
let base: string;
let root: string;
let outside: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "dhi-safefiles-"));
  root = join(base, "ws");
  outside = join(base, "outside");
  mkdirSync(join(root, "src"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, "creds.ts"), "export const SECRET = 1;\n");
  writeFileSync(join(root, "src", "a.ts"), "export const a = 1;\n");
  symlinkSync(join(root, "src", "a.ts"), join(root, "src", "inner-link.ts"));
  symlinkSync(join(outside, "creds.ts"), join(root, "src", "linked.ts"));
  symlinkSync(outside, join(root, "linkdir"));
  symlinkSync("/dev/zero", join(root, "src", "zero.ts"));
  execFileSync("mkfifo", [join(root, "src", "fifo.ts")]);
  writeFileSync(join(root, "big.ts"), "x".repeat(5000));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("safe reads", () => {
  it("reads regular files inside the workspace, through inside links too", () => {
    expect(readWorkspaceText(root, "src/a.ts", undefined, () => undefined)).toBe("export const a = 1;\n");
    expect(readWorkspaceText(root, join(root, "src/inner-link.ts"), undefined, () => undefined)).toBe("export const a = 1;\n");
  });

  it("refuses a file link and a folder link that resolve outside, with a log line", () => {
    const lines: string[] = [];
    expect(readWorkspaceText(root, "src/linked.ts", undefined, (line) => lines.push(line))).toBeNull();
    expect(readWorkspaceText(root, "linkdir/creds.ts", undefined, (line) => lines.push(line))).toBeNull();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/refused src\/linked\.ts: it links to .*outside the workspace/);
    expect(readWorkspaceText(root, "../outside/creds.ts", undefined, (line) => lines.push(line))).toBeNull();
    expect(lines[2]).toMatch(/outside the workspace/);
  });

  it("refuses /dev/zero and a FIFO as non-regular files without blocking", () => {
    const zero = readWorkspaceBytes(root, "src/zero.ts");
    // /dev/zero resolves outside the workspace first; read directly it is refused as not regular.
    expect(isRefusal(zero) && zero.refused).toBe("outside");
    const direct = readBoundedFile("/dev/zero");
    expect(isRefusal(direct) && direct.refused).toBe("special");
    const fifo = readWorkspaceBytes(root, "src/fifo.ts");
    expect(isRefusal(fifo) && fifo.refused).toBe("special");
  });

  it("refuses files over the cap and reports missing files quietly", () => {
    const big = readWorkspaceBytes(root, "big.ts", 4096);
    expect(isRefusal(big) && big.refused).toBe("too-large");
    expect(isRefusal(readWorkspaceBytes(root, "big.ts", 5000))).toBe(false);
    const lines: string[] = [];
    expect(readWorkspaceText(root, "nope.ts", undefined, (line) => lines.push(line))).toBeNull();
    expect(lines).toEqual([]);
  });

  it("stats like it reads", () => {
    expect(statWorkspaceFile(root, "src/a.ts")).toMatchObject({ size: 20 });
    expect(isRefusal(statWorkspaceFile(root, "src/linked.ts"))).toBe(true);
    expect(isRefusal(statWorkspaceFile(root, "src/fifo.ts"))).toBe(true);
  });
});

describe("safe writes", () => {
  it("writes and creates folders inside the workspace", () => {
    writeWorkspaceFile(root, "new/dir/b.ts", "b\n");
    expect(readFileSync(join(root, "new/dir/b.ts"), "utf8")).toBe("b\n");
    writeWorkspaceFile(root, "src/inner-link.ts", "export const a = 2;\n");
    expect(readFileSync(join(root, "src/a.ts"), "utf8")).toBe("export const a = 2;\n");
  });

  it("refuses to write through a file link or a folder link that leads outside", () => {
    expect(() => writeWorkspaceFile(root, "src/linked.ts", "pwned")).toThrow(UnsafeWriteError);
    expect(() => writeWorkspaceFile(root, "linkdir/new.ts", "pwned")).toThrow(/outside the workspace/);
    expect(() => writeWorkspaceFile(root, "linkdir/deeper/new.ts", "pwned")).toThrow(UnsafeWriteError);
    expect(() => writeWorkspaceFile(root, "../outside/x.ts", "pwned")).toThrow(UnsafeWriteError);
    expect(readFileSync(join(outside, "creds.ts"), "utf8")).toBe("export const SECRET = 1;\n");
    expect(existsSync(join(outside, "new.ts"))).toBe(false);
    expect(existsSync(join(outside, "deeper"))).toBe(false);
  });

  it("refuses to write onto a FIFO", () => {
    expect(() => writeWorkspaceFile(root, "src/fifo.ts", "x")).toThrow(/not a regular file/);
  });

  it("deletes a link itself, never its target, and nothing through an outside folder link", () => {
    removeWorkspaceFile(root, "src/linked.ts");
    expect(lstatSync(join(root, "src/linked.ts"), { throwIfNoEntry: false })).toBeUndefined();
    expect(existsSync(join(outside, "creds.ts"))).toBe(true);
    expect(() => removeWorkspaceFile(root, "linkdir/creds.ts")).toThrow(UnsafeWriteError);
    expect(existsSync(join(outside, "creds.ts"))).toBe(true);
  });
});
