import { describe, expect, it } from "vitest";
import { decideMultiline } from "../../server/completion/multiline/decideMultiline.js";
import { stopRule } from "../../server/completion/multiline/stopRule.js";
import { syntaxWindow } from "../../server/completion/verify/syntaxWindow.js";
import { Cursor } from "../../server/text/Cursor.js";
import { contextFor, record, windowFor } from "./fixtures.js";

function decide(text: string, offset: number, language: "typescript" | "python", setting: boolean | "auto" = "auto") {
  const cursor = Cursor.at(text, offset);
  return decideMultiline(setting, cursor.linePrefix, cursor.lineSuffix, syntaxWindow(cursor, language));
}

describe("single- vs multi-line decision", () => {
  it("middle of a line → single line", () => {
    const r = record("server/config/resolveSettings.ts:20:args"); // cursor before `)) {`
    expect(decide(r.text, r.offset, "typescript")).toEqual({ multiline: false, reason: "middle of line" });
  });

  it("an empty body (tree-sitter) → multi-line", () => {
    const text = "function f(a: number) {}\n";
    expect(decide(text, text.indexOf("}"), "typescript")).toMatchObject({ multiline: true, reason: "empty statement_block" });
  });

  it("a blank line in a body → multi-line; the end of a statement → single line", () => {
    const r = record("SingleLineInfilling/HumanEval/0/L3");
    expect(decideMultiline("auto", "", "", windowFor(r)).multiline).toBe(true);
    const tail = record("server/config/resolveSettings.ts:64:tail"); // `  const errors: string[] = |`
    expect(decide(tail.text, tail.offset, "typescript")).toEqual({ multiline: false, reason: "end of line" });
  });

  it("a line ending in a block opener → multi-line", () => {
    const text = "def f(x):\n    if x:\n";
    expect(decide(text, text.length - 1, "python").multiline).toBe(true);
  });

  it("the completion.multiline setting wins", () => {
    const r = record("server/config/resolveSettings.ts:20:args");
    expect(decide(r.text, r.offset, "typescript", true)).toEqual({ multiline: true, reason: "setting" });
    expect(decide("x = 1\n\n", 6, "python", false)).toEqual({ multiline: false, reason: "setting" });
  });
});

describe("early stop (onText)", () => {
  it("stops a multi-line generation as soon as it dedents out of the block (real model output)", () => {
    const r = record("server/syntax/parse.ts:38:body");
    const onText = stopRule(contextFor(r, true));
    const stopAt = [...r.raw].findIndex((_, i) => onText(r.raw.slice(0, i + 1)) === "stop");
    expect(r.raw.slice(0, stopAt + 1)).toBe('if ({time}: "{{{{{{{{{{{time}}}}\n    returns;\n    return false;\n}');
  });

  it("stops a single-line generation at the first newline", () => {
    const r = record("server/config/loadSettings.ts:19:tail");
    const onText = stopRule(contextFor(r, false));
    expect(onText("new Error(path, options)")).toBeUndefined();
    expect(onText("new Error(path, options)\n")).toBe("stop");
  });

  it("stops when the model starts repeating lines (real model output)", () => {
    const r = record("SingleLineInfilling/HumanEval/11/L3");
    const onText = stopRule(contextFor(r, true));
    const stopAt = [...r.raw].findIndex((_, i) => onText(r.raw.slice(0, i + 1)) === "stop");
    expect(stopAt).toBeGreaterThan(0);
    expect(stopAt).toBeLessThan(r.raw.length / 2);
  });
});
