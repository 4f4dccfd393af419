import { it } from "vitest";
import { extractFile } from "../../server/index/extractFile.js";
import { CASES_FOR_DEBUG } from "./chunking.test.js";
it("dbg", () => {
  for (const c of CASES_FOR_DEBUG) {
    const x = extractFile(c.text, c.lang);
    console.log(c.lang, c.text.split("\n").length, JSON.stringify(x.chunks.map((k) => [k.startLine, k.endLine, k.kind, k.symbol, k.text.length])), x.symbols.map((s) => s.kind + ":" + s.qualified).join(" "));
  }
});
