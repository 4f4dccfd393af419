import { describe, expect, it } from "vitest";
import { ignoreRules, MAX_PATH_DEPTH, tamePattern } from "../../server/index/ignoreRules.js";
import { exclusionMatcher, walkWorkspace } from "../../server/index/walkWorkspace.js";
import { makeWorkspace } from "./helpers.js";

describe("gitignore rules from a repository", () => {
  it("merges repeated ** and leaves out patterns that would make matching slow", () => {
    expect(tamePattern("a/**/**/**/b")).toBe("a/**/b");
    expect(tamePattern("**/**/x.ts")).toBe("**/x.ts");
    expect(tamePattern("build/")).toBe("build/");
    expect(tamePattern("src/**/gen/**/*.ts")).toBe("src/**/gen/**/*.ts");
    expect(tamePattern("a/**/x/**/y/**/b")).toBeNull();
    expect(tamePattern(`${"a".repeat(2_000)}/`)).toBeNull();
    // Merged, a pattern still matches what it did.
    const rules = ignoreRules("a/**/**/**/b\r\n*.log\r\n");
    expect(rules.ignores("a/x/y/b")).toBe(true);
    expect(rules.ignores("a/b")).toBe(true);
    expect(rules.ignores("debug.log")).toBe(true); // CRLF lines
    expect(rules.ignores("a/x/c")).toBe(false);
  });

  it("walks a deep tree under a hostile .gitignore at once, and nothing deeper than MAX_PATH_DEPTH", async () => {
    // Ten ** took 2 s to match one path 24 folders deep and 15 s at 30 (the `ignore` library backtracks).
    const deep = Array.from({ length: 30 }, () => "x").join("/");
    const tooDeep = Array.from({ length: MAX_PATH_DEPTH + 5 }, () => "y").join("/");
    const ws = makeWorkspace({
      ".gitignore": `a/${"**/".repeat(10)}b\n`,
      [`a/${deep}/keep.ts`]: "export const keep = 1;\n",
      [`a/${deep}/b`]: "ignored\n",
      [`${tooDeep}/lost.ts`]: "export const lost = 1;\n",
      "y/y/near.ts": "export const near = 1;\n",
    });
    try {
      const files = await walkWorkspace(ws.root, { exclude: ["c/**/x/**/y/**/d"] });
      // The ten ** merge into one, which still excludes b.
      expect(files).toEqual([".gitignore", `a/${deep}/keep.ts`, "y/y/near.ts"]);
      const excluded = exclusionMatcher(ws.root, []);
      expect(await excluded(`a/${deep}/keep.ts`)).toBe(false);
      expect(await excluded(`${tooDeep}/lost.ts`)).toBe(true);
      expect(await excluded("y/y/near.ts")).toBe(false);
    } finally {
      ws.cleanup();
    }
  });
});
