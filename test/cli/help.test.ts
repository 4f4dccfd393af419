import { describe, expect, it } from "vitest";
import type { CliIO } from "../../server/cli/args.js";
import { COMMAND_NAMES, main } from "../../server/cli/main.js";
import { USAGE } from "../../server/cli/usage.js";

// `dhi SUB --help` prints that subcommand's own usage (exit 0); a bad flag names the flag and shows it (exit 2).

function captureIO() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env: { DHI_SANDBOX: "none" }, cwd: process.cwd() };
  return { io, out: () => out.join(""), err: () => err.join("") };
}

/** Argument prefixes that reach each subcommand's flag parser. */
const PREFIX: Record<string, string[]> = { models: ["pull"] };

describe("per-subcommand usage", () => {
  it("every subcommand has its own usage", () => {
    expect(Object.keys(USAGE).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const name of COMMAND_NAMES) expect(USAGE[name], name).toMatch(new RegExp(`^usage: dhi ${name}\\b`));
  });

  for (const name of Object.keys(USAGE)) {
    it(`dhi ${name} --help and -h print its usage and exit 0`, async () => {
      for (const flag of ["--help", "-h"]) {
        const c = captureIO();
        expect(await main([name, ...(PREFIX[name] ?? []), flag], c.io)).toBe(0);
        expect(c.out()).toBe(USAGE[name]);
        expect(c.err()).toBe("");
      }
    });

    it(`dhi ${name} with a bad flag names it, shows the usage and exits 2`, async () => {
      const c = captureIO();
      expect(await main([name, ...(PREFIX[name] ?? []), "--no-such-flag"], c.io)).toBe(2);
      const [first, ...rest] = c.err().split("\n");
      expect(first).toBe("dhi: Unknown option '--no-such-flag'");
      expect(rest.join("\n")).toBe(USAGE[name]);
      expect(c.out()).toBe("");
    });
  }

  it("a missing argument shows the usage too; a bad value stays one line", async () => {
    const missing = captureIO();
    expect(await main(["search"], missing.io)).toBe(2);
    expect(missing.err()).toContain(USAGE.search);
    const badValue = captureIO();
    expect(await main(["search", "q", "-k", "zero"], badValue.io)).toBe(2);
    expect(badValue.err().trim().split("\n")).toEqual(['dhi: -k must be an integer ≥ 1 (got "zero")']);
  });
});
