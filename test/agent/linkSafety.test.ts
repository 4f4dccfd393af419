import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyToDisk } from "../../server/agent/applyToDisk.js";
import { createFile, writeFile } from "../../server/agent/tools/changeFiles.js";
import { listFiles } from "../../server/agent/tools/listFiles.js";
import { readWorkspaceFile } from "../../server/agent/tools/readFile.js";

// The agent's reads and writes through links that lead out of the workspace (issue 18: `dhi agent --apply`
// checked paths as text only and wrote through links).
let base: string;
let root: string;
let outside: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "dhi-agent-links-"));
  root = join(base, "ws");
  outside = join(base, "outside");
  mkdirSync(join(root, "src"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, "creds.ts"), "SECRET\n");
  writeFileSync(join(root, "src", "a.ts"), "export const a = 1;\n");
  symlinkSync(join(outside, "creds.ts"), join(root, "src", "linked.ts"));
  symlinkSync(outside, join(root, "linkdir"));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("agent file access through links", () => {
  const gate = () => ({ root, instruction: "edit src", protectedPaths: [] as string[] });

  it("never reads or lists through a link that leads outside", async () => {
    expect(await readWorkspaceFile(root, "src/a.ts")).toBe("export const a = 1;\n");
    expect(await readWorkspaceFile(root, "src/linked.ts")).toBeNull();
    expect(await readWorkspaceFile(root, "linkdir/creds.ts")).toBeNull();
    expect(await listFiles(root, { under: "linkdir" })).toEqual([]);
  });

  it("refuses to propose edits whose real path leaves the workspace", () => {
    expect(writeFile(gate(), "src/linked.ts", "SECRET\n", "pwned\n")).toMatchObject({ ok: false, reason: expect.stringMatching(/outside the workspace/) });
    expect(createFile(gate(), "linkdir/new.ts", "pwned\n")).toMatchObject({ ok: false });
    expect(createFile(gate(), "src/new.ts", "ok\n")).toMatchObject({ ok: true });
  });

  it("dhi agent --apply (applyToDisk) never writes through a link that leads outside", async () => {
    await expect(applyToDisk(root, [{ path: "src/linked.ts", kind: "modify", before: "SECRET\n", after: "pwned\n", protected: false }])).rejects.toThrow(/refused to write/);
    await expect(applyToDisk(root, [{ path: "linkdir/new.ts", kind: "create", before: null, after: "pwned\n", protected: false }])).rejects.toThrow(/refused to write/);
    expect(readFileSync(join(outside, "creds.ts"), "utf8")).toBe("SECRET\n");
    expect(existsSync(join(outside, "new.ts"))).toBe(false);
    await applyToDisk(root, [{ path: "src/b.ts", kind: "create", before: null, after: "b\n", protected: false }]);
    expect(readFileSync(join(root, "src/b.ts"), "utf8")).toBe("b\n");
  });
});
