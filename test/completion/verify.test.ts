import { describe, expect, it } from "vitest";
import { verifyCandidate } from "../../server/completion/verify/verifyCandidate.js";
import { pickCandidate } from "../../server/completion/verify/pickCandidate.js";
import { countErrors, syntaxWindow } from "../../server/completion/verify/syntaxWindow.js";
import { checkSyntax, parse } from "../../server/syntax/index.js";
import { Cursor } from "../../server/text/Cursor.js";
import { record, windowFor } from "./fixtures.js";

describe("verification (real model output)", () => {
  it("counts errors like syntax/checkSyntax", () => {
    for (const id of ["server/config/resolveSettings.ts:83:body", "MultiLineInfilling/HumanEval/1/L5_L7"]) {
      const r = record(id);
      const lang = id.endsWith("body") ? "typescript" : "python";
      expect(countErrors(parse(r.text, lang))).toBe(checkSyntax(r.text, lang).errorCount);
    }
  });

  it("keeps a completion that adds no syntax errors", () => {
    const r = record("server/config/loadSettings.ts:12:args");
    const v = verifyCandidate({ text: "file, options)", replaceEnd: r.offset + 1 }, windowFor(r), r.offset);
    expect(v).toMatchObject({ addedErrors: 0, trimmed: false, candidate: { text: "file, options)" } });
  });

  it("trims a completion that breaks the buffer to its longest prefix that does not", () => {
    // `async function readWorkspaceSettingsFile(|): {…}` and the model's `path, options) {`.
    const r = record("server/config/loadSettings.ts:8:args");
    const v = verifyCandidate({ text: "path, options) {", replaceEnd: r.offset + 1 }, windowFor(r), r.offset);
    expect(v.addedErrors).toBeGreaterThan(0);
    expect(v.trimmed, JSON.stringify(v)).toBe(true);
    expect(v.candidate).toEqual({ text: "path, options", replaceEnd: r.offset });
  });

  it("drops a completion when no prefix of it parses", () => {
    const r = record("server/config/resolveSettings.ts:68:body");
    expect(r.raw).toBe("}");
    const v = verifyCandidate({ text: r.raw, replaceEnd: r.offset }, windowFor(r), r.offset);
    expect(v.candidate).toBeNull();
  });

  it("compares against the buffer's own errors (a broken buffer is not held against the completion)", () => {
    const r = record("MultiLineInfilling/HumanEval/1/L5_L7");
    const window = windowFor(r);
    expect(window.baselineErrors).toBeGreaterThan(0);
    const v = verifyCandidate({ text: "        if c == '(':", replaceEnd: r.offset }, window, r.offset);
    expect(v.candidate).not.toBeNull();
  });

  it("prefers a candidate that parses untrimmed, then the longest trimmed one", () => {
    const a = { candidate: { text: "ab", replaceEnd: 0 }, addedErrors: 1, trimmed: true, parses: 2 };
    const b = { candidate: { text: "abc", replaceEnd: 0 }, addedErrors: 0, trimmed: false, parses: 1 };
    const c = { candidate: null, addedErrors: 2, trimmed: true, parses: 3 };
    expect(pickCandidate([a, b, c])?.index).toBe(1);
    expect(pickCandidate([a, c])?.index).toBe(0);
    expect(pickCandidate([c])).toBeNull();
  });

  it("parses a window, not the whole buffer, on large files", () => {
    const r = record("server/syntax/parse.ts:38:body");
    const big = `${r.text}\n${"const filler = 1;\n".repeat(5000)}`;
    const window = syntaxWindow(Cursor.at(big, r.offset), "typescript");
    expect(window?.text.length).toBeLessThan(10_000);
  });

  it("has no window on a line far longer than a window (a minified bundle): no parse of the whole line per candidate", () => {
    const bundle = `var a=1;${"function f(x){return x+1};".repeat(20_000)}`;
    expect(syntaxWindow(Cursor.at(bundle, bundle.length - 100), "javascript")).toBeNull();
    // Long but ordinary lines still get one.
    const lines = `${"const value = compute(1, 2, 3);\n".repeat(400)}`;
    expect(syntaxWindow(Cursor.at(lines, lines.length - 10), "javascript")).not.toBeNull();
    // In a large file, a cursor line with a long rest (a 3,000-character string) ends the window: not the buffer.
    const before = "const value = compute(1, 2, 3);\n".repeat(100);
    const large = `${before}const long = "${"x".repeat(3000)}";\n${"const after = 1;\n".repeat(5000)}`;
    const window = syntaxWindow(Cursor.at(large, before.length + 14), "javascript");
    expect(window).not.toBeNull();
    expect(window?.text.endsWith(`${"x".repeat(3000)}";\n`)).toBe(true);
  });
});
