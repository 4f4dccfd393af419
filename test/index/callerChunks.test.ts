import { describe, expect, it } from "vitest";
import { useIndexedWorkspace } from "./helpers.js";

// Callers of `helperFn` with different use counts, and ties broken by path, then line.
const pad = (name: string): string => `  // ${name} ${"padding so this function is a chunk of its own ".repeat(5)}`;
const caller = (name: string, uses: number): string =>
  [`export function ${name}(x: number): number {`, pad(name), ...Array.from({ length: uses }, (_, i) => `  x += helperFn(x + ${i});`), `  return x;`, `}`].join("\n");

const FILES = {
  "src/helper.ts": `export function helperFn(x: number): number {\n${pad("helperFn")}\n  return x * 2;\n}\n`,
  "src/b.ts": [`import { helperFn } from "./helper";`, caller("bOnce", 1), caller("bThrice", 3), caller("bTwiceLate", 2)].join("\n\n"),
  "src/a.ts": [`import { helperFn } from "./helper";`, caller("aTwice", 2), caller("aOnce", 1)].join("\n\n"),
};

describe("graph ranking of callers", () => {
  const fx = useIndexedWorkspace(FILES);

  it("lists the definition, then callers by uses, then path, then line", () => {
    const symbols = fx.index.graphRanking("helperFn").map((id) => fx.index.chunk(id)?.symbol);
    expect(symbols).toEqual(["helperFn", "bThrice", "aTwice", "bTwiceLate", "aOnce", "bOnce"]);
  });
});
