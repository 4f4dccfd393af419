import { describe, expect, it } from "vitest";
import { extractFile, MAX_CHUNK_CHARS } from "../../server/index/extractFile.js";
import type { FileExtraction } from "../../server/index/extractTypes.js";
import { identifierParts, queryTerms, splitIdentifier } from "../../server/index/identifiers.js";
import { SUPPORTED_LANGUAGES, type LanguageName } from "../../server/syntax/index.js";

/** A body long enough that the function stands as its own chunk. */
const body = (indent: string, stmt: (i: number) => string, n = 8): string =>
  Array.from({ length: n }, (_, i) => `${indent}${stmt(i)}`).join("\n");

function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line with ${needle}`);
  return i + 1;
}

function chunkFor(x: FileExtraction, symbol: string) {
  const c = x.chunks.find((c) => c.symbol === symbol);
  if (!c) throw new Error(`no chunk for ${symbol}: ${x.chunks.map((c) => c.symbol).join(", ")}`);
  return c;
}

const CASES: Array<{ lang: LanguageName; text: string; expect: Array<[symbol: string, kind: string, startLine: number, endLine: number]> }> = [
  {
    lang: "typescript",
    text: [
      `import { helper } from "./helper.js";`,
      ``,
      `/** Parses configuration text. */`,
      `export function parseConfig(text: string): Record<string, string> {`,
      body("  ", (i) => `const v${i} = helper(text, ${i}); // step ${i} of the parsing work here`),
      `  return {};`,
      `}`,
      ``,
      `export class Parser {`,
      `  private readonly source: string = "";`,
      `  parse(input: string): number {`,
      body("    ", (i) => `const part${i} = input.slice(${i}, ${i + 1}).trim().toLowerCase();`),
      `    return input.length;`,
      `  }`,
      `}`,
    ].join("\n"),
    expect: [["parseConfig", "function", 1, 14], ["Parser", "class", 16, 29]],
  },
  {
    lang: "tsx",
    text: [
      `export function Button(props: { label: string }) {`,
      body("  ", (i) => `const c${i} = props.label.repeat(${i}).padStart(${i * 3}, "-");`),
      `  return <button>{props.label}</button>;`,
      `}`,
    ].join("\n"),
    expect: [["Button", "function", 1, 11]],
  },
  {
    lang: "javascript",
    text: [
      `const fs = require("fs");`,
      `const loadFile = (path) => {`,
      body("  ", (i) => `const data${i} = fs.readFileSync(path + ${i}, "utf8").split("\\n");`),
      `  return data0;`,
      `};`,
    ].join("\n"),
    expect: [["loadFile", "function", 1, 12]],
  },
  {
    lang: "python",
    text: [
      `import os`,
      ``,
      `class Store:`,
      `    """Keeps values."""`,
      ``,
      `    @property`,
      `    def size(self):`,
      body("        ", (i) => `total_${i} = len(self.values) + ${i} * os.getpid() - ${i}`),
      `        return total_0`,
    ].join("\n"),
    expect: [["Store", "class", 1, 16]],
  },
  {
    lang: "go",
    text: [
      `package main`,
      ``,
      `// Server serves requests.`,
      `type Server struct {`,
      `	name string`,
      `}`,
      ``,
      `func (s *Server) Serve(port int) error {`,
      body("	", (i) => `fmt.Println(strings.ToUpper(s.name), port, ${i}, "serving request number")`),
      `	return nil`,
      `}`,
    ].join("\n"),
    expect: [["Server", "struct", 1, 6], ["Server.Serve", "method", 8, 18]],
  },
  {
    lang: "rust",
    text: [
      `use std::collections::HashMap;`,
      ``,
      `/// Looks a key up.`,
      `#[inline]`,
      `pub fn lookup(map: &HashMap<String, u32>, key: &str) -> Option<u32> {`,
      body("    ", (i) => `let v${i} = map.get(key).copied().unwrap_or(${i}) + ${i};`),
      `    map.get(key).copied()`,
      `}`,
    ].join("\n"),
    expect: [["lookup", "function", 1, 15]],
  },
  {
    lang: "java",
    text: [
      `package demo;`,
      ``,
      `public class Shape {`,
      `    /** Area of the shape. */`,
      `    public double area(double scale) {`,
      body("        ", (i) => `double a${i} = Math.pow(scale, ${i}) * Math.PI + ${i} * scale;`),
      `        return scale;`,
      `    }`,
      `}`,
    ].join("\n"),
    expect: [["Shape", "class", 1, 16]],
  },
  {
    lang: "c",
    text: [
      `#include <stdio.h>`,
      ``,
      `/* Adds numbers. */`,
      `static int add_all(int *values, int n) {`,
      body("    ", (i) => `int s${i} = values[${i}] + n * ${i} + values[n - ${i} - 1];`),
      `    return n;`,
      `}`,
    ].join("\n"),
    expect: [["add_all", "function", 1, 14]],
  },
  {
    lang: "cpp",
    text: [
      `#include <vector>`,
      ``,
      `namespace geo {`,
      `double Circle::area(double r) const {`,
      body("    ", (i) => `double x${i} = 3.14159 * r * r + ${i} * std::sqrt(r + ${i});`),
      `    return r;`,
      `}`,
      `}`,
    ].join("\n"),
    expect: [["geo", "namespace", 1, 15]],
  },
];

describe("chunking with tree-sitter", () => {
  it("covers every supported language", () => {
    expect(new Set(CASES.map((c) => c.lang))).toEqual(new Set(SUPPORTED_LANGUAGES));
  });

  for (const c of CASES) {
    it(`chunks ${c.lang} at definition boundaries`, () => {
      const x = extractFile(c.text, c.lang);
      const lines = c.text.split("\n");
      expect(x.chunks.map((k) => [k.symbol, k.kind, k.startLine, k.endLine])).toEqual(c.expect);
      for (const chunk of x.chunks) expect(chunk.text).toBe(lines.slice(chunk.startLine - 1, chunk.endLine).join("\n"));
    });
  }

  it("records symbols with kinds and parents", () => {
    const x = extractFile(CASES[0].text, "typescript");
    const parse = x.symbols.find((s) => s.qualified === "Parser.parse");
    expect(parse).toMatchObject({ name: "parse", kind: "method", parent: "Parser" });
    const go = extractFile(CASES[4].text, "go");
    expect(go.symbols.map((s) => `${s.kind}:${s.qualified}`)).toEqual(["struct:Server", "field:Server.name", "method:Server.Serve"]);
    const cpp = extractFile(CASES[8].text, "cpp");
    expect(cpp.symbols.find((s) => s.name === "area")).toMatchObject({ kind: "method", qualified: "Circle.area", parent: "Circle" });
    const py = extractFile(CASES[3].text, "python");
    expect(py.symbols.find((s) => s.name === "size")).toMatchObject({ kind: "method", parent: "Store" });
  });

  it("records module-level values, fields and enum members as symbols in every language, but not locals", () => {
    const symbolsOf = (lang: LanguageName, text: string) => extractFile(text, lang).symbols.map((s) => `${s.kind}:${s.qualified}`);
    expect(symbolsOf("typescript", [
      `export const MAX_RETRIES = 3;`, `const handler = () => 1;`, `let counter = 0;`,
      `export class A {`, `  private readonly source: string = "";`, `}`, `function f() { const local = 1; return local; }`,
    ].join("\n"))).toEqual(["constant:MAX_RETRIES", "function:handler", "variable:counter", "class:A", "field:A.source", "function:f"]);
    expect(symbolsOf("javascript", `const fs = require("fs");\nvar legacy = 1;\nexport const A = 1, B = 2;\n`))
      .toEqual(["constant:fs", "variable:legacy", "constant:A", "constant:B"]);
    expect(symbolsOf("python", `TIMEOUT = 30\nlogger = get_logger(__name__)\nclass Store:\n    size: int = 0\n    def f(self):\n        local = 1\n`))
      .toEqual(["constant:TIMEOUT", "variable:logger", "class:Store", "field:Store.size", "method:Store.f"]);
    expect(symbolsOf("go", `package main\nconst MaxLen = 10\nconst (\n  A = 1\n)\nvar cache = map[string]int{}\nfunc f() { const local = 1 }\n`))
      .toEqual(["constant:MaxLen", "constant:A", "variable:cache", "function:f"]);
    expect(symbolsOf("rust", `const MAX: usize = 3;\nstatic NAME: &str = "x";\nenum Color { Red, Green }\nfn f() { let local = 1; }\n`))
      .toEqual(["constant:MAX", "constant:NAME", "enum:Color", "variant:Color.Red", "variant:Color.Green", "function:f"]);
    expect(symbolsOf("java", `class A {\n  static final int MAX = 3;\n  enum Color { RED }\n  void f() { int local = 1; }\n}\n`))
      .toEqual(["class:A", "field:A.MAX", "enum:A.Color", "constant:A.Color.RED", "method:A.f"]);
    expect(symbolsOf("c", `#define MAX_LEN 256\nint counter = 0;\nstatic const char *name;\nenum color { RED };\nint f(int x);\nint g(void) { int local = 1; return local; }\n`))
      .toEqual(["macro:MAX_LEN", "variable:counter", "variable:name", "enum:color", "constant:color.RED", "function:g"]);
    expect(symbolsOf("cpp", `#define MAX_LEN 256\nint counter = 0;\nnamespace ns { int inner = 1; }\n`))
      .toEqual(["macro:MAX_LEN", "variable:counter", "namespace:ns", "variable:ns.inner"]);
  });

  it("keeps a small value among its neighbours' lines, and gives a large one its own chunk", () => {
    const text = [
      `const fs = require("fs");`,
      `function load(path) {`,
      body("  ", (i) => `const data${i} = fs.readFileSync(path + ${i}, "utf8").split("\\n");`),
      `}`,
      `export const CONFIG = {`,
      body("  ", (i) => `key${i}: "the value of configuration entry number ${i}",`, 12),
      `};`,
    ].join("\n");
    const x = extractFile(text, "javascript");
    expect(chunkFor(x, "load").startLine).toBe(1); // the one-line constant joins the function after it
    expect(chunkFor(x, "CONFIG")).toMatchObject({ kind: "constant", startLine: lineOf(text, "export const CONFIG"), endLine: text.split("\n").length });
  });

  it("splits an oversized class at its methods, keeping the header with the first chunk", () => {
    const method = (n: number) => [
      ...(n === 3 ? [`  /** The third method. */`] : []),
      `  method${n}(value: number): number {`,
      body("    ", (i) => `const step${i} = Math.max(value, ${i}) * ${n} + this.offset - ${i};`),
      `    return value;`,
      `  }`,
    ].join("\n");
    const text = [`export class Big {`, `  offset = 1;`, ...Array.from({ length: 8 }, (_, n) => method(n)), `}`].join("\n");
    const x = extractFile(text, "typescript");
    expect(x.chunks.length).toBeGreaterThan(3);
    for (const c of x.chunks) expect(c.text.length).toBeLessThanOrEqual(MAX_CHUNK_CHARS + 200);
    expect(x.chunks[0].startLine).toBe(1);
    expect(x.chunks[x.chunks.length - 1].endLine).toBe(text.split("\n").length);
    const m3 = chunkFor(x, "Big.method3");
    expect(m3).toMatchObject({ kind: "method", parent: "Big" });
    expect(m3.startLine).toBe(lineOf(text, "The third method"));
    expect(m3.endLine).toBe(lineOf(text, "method4(value") - 1);
  });

  it("splits an oversized function at statement boundaries", () => {
    const text = [`function huge(a) {`, body("  ", (i) => `const value${i} = compute(a, ${i}) + transform(a, ${i * 7});`, 120), `  return a;`, `}`].join("\n");
    const x = extractFile(text, "javascript");
    expect(x.chunks.length).toBeGreaterThan(3);
    expect(x.chunks.every((c) => c.symbol === "huge" && c.kind === "function"), JSON.stringify(x.chunks)).toBe(true);
    expect(x.chunks[0].startLine).toBe(1);
    expect(x.chunks[x.chunks.length - 1].endLine).toBe(123);
    for (let i = 1; i < x.chunks.length; i++) expect(x.chunks[i].startLine).toBe(x.chunks[i - 1].endLine + 1);
  });

  it("merges small neighbours into one block", () => {
    const text = [`const a = 1;`, `const b = 2;`, `function tiny() { return a; }`, `const c = 3;`].join("\n");
    const x = extractFile(text, "javascript");
    expect(x.chunks).toHaveLength(1);
    expect(x.chunks[0]).toMatchObject({ startLine: 1, endLine: 4 });
  });

  it("falls back to line windows for unknown languages", () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i} of some notes`).join("\n");
    const x = extractFile(text, null);
    expect(x.chunks.length).toBeGreaterThan(2);
    expect(x.chunks.every((c) => c.kind === "window"), JSON.stringify(x.chunks)).toBe(true);
    expect(x.chunks[0].startLine).toBe(1);
    expect(x.chunks[x.chunks.length - 1].endLine).toBe(200);
  });

  it("never throws on broken or odd input", () => {
    for (const lang of SUPPORTED_LANGUAGES) {
      for (const text of ["", "\n\n", "function (((( {{{ class", "\u0000\u0001binary\uFFFD", "x".repeat(100_000)]) {
        const x = extractFile(text, lang);
        expect(x.chunks).toBeInstanceOf(Array);
      }
    }
  });

  it("records identifier uses outside comments and strings, with the enclosing definition", () => {
    const text = [
      `function caller() {`,
      `  // callee in a comment does not count`,
      `  const s = "callee in a string";`,
      `  return callee(s);`,
      `}`,
      `function callee(x) { return x; }`,
    ].join("\n");
    const x = extractFile(text, "javascript");
    const uses = x.refs.filter((r) => r.name === "callee");
    expect(uses).toHaveLength(1);
    expect(uses[0].line).toBe(4);
    expect(x.symbols[uses[0].enclosing ?? -1].name).toBe("caller");
    expect(x.symbols[uses[0].target ?? -1].name).toBe("callee");
  });
});

describe("identifier splitting", () => {
  it("splits camelCase, PascalCase, acronyms and snake_case", () => {
    expect(splitIdentifier("loadSettingsForDirectory")).toEqual(["load", "settings", "for", "directory"]);
    expect(splitIdentifier("HTTPServer_v2")).toEqual(["http", "server", "v", "2"]);
    expect(splitIdentifier("snake_case_name")).toEqual(["snake", "case", "name"]);
    expect(identifierParts("parseJSONValue(x)")).toBe("parse json value");
    expect(queryTerms("the loadSettings file")).toEqual(["loadsettings", "load", "settings", "file"]);
  });
});
