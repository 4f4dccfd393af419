import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { symbolAt } from "../../server/actions/language/symbols.js";
import { outline } from "../../server/agent/symbols/outline.js";
import { extractFile } from "../../server/index/extractFile.js";
import { declarationTable, findDeclarations, VALUE_KINDS, type Declaration } from "../../server/syntax/declarations/index.js";
import { languageOf, parse, queryPath, SUPPORTED_LANGUAGES, type LanguageName } from "../../server/syntax/index.js";
import { REPO_ROOT } from "../helpers/paths.js";

// One declaration table per language (grammars/<lang>/index.scm): the index, the agent's outline and the
// actions' symbols must all see the declarations it finds. Each sample file holds every pattern of its table.

const FIXTURES = join(REPO_ROOT, "test/syntax/fixtures/declarations");
const SAMPLES = readdirSync(FIXTURES).map((file) => join(FIXTURES, file));

function sample(language: LanguageName): { path: string; text: string; declarations: Declaration[] } {
  const path = SAMPLES.find((p) => languageOf(p) === language);
  if (!path) throw new Error(`no sample file for ${language} in ${FIXTURES}`);
  const text = readFileSync(path, "utf8");
  return { path, text, declarations: findDeclarations(text, parse(text, language), language) };
}

const line = (d: Declaration): number => d.startRow + 1;
/** The languages with a sample: one per grammar folder (TSX shares TypeScript's). */
const SAMPLED = SUPPORTED_LANGUAGES.filter((language) => language !== "tsx");

describe("declaration tables", () => {
  it("every grammar folder is the table of a supported language, and every language has one", () => {
    const folders = readdirSync(join(REPO_ROOT, "grammars"));
    const tableFolders = new Set(SUPPORTED_LANGUAGES.map((language) => basename(dirname(queryPath(language, "index")))));
    expect([...tableFolders].sort()).toEqual([...folders].sort());
    for (const language of SUPPORTED_LANGUAGES) {
      expect(declarationTable(language).length, `${language}'s table is empty`).toBeGreaterThan(0);
    }
  });

  it("reads each pattern's node type and kind from the query", () => {
    const go = declarationTable("go");
    expect(go).toContainEqual({ nodeType: "method_declaration", kind: "method" });
    expect(go).toContainEqual({ nodeType: "type_spec", kind: "struct" });
    expect(go).toContainEqual({ nodeType: "const_spec", kind: "constant" });
    expect(declarationTable("python")).toContainEqual({ nodeType: "assignment", kind: "constant" });
    // `@import`, `@ignore` and `@name` captures are not declarations.
    expect(declarationTable("c").map((e) => e.nodeType)).not.toContain("preproc_include");
  });

  it.each(SAMPLED)("the %s sample holds every node type and kind of its table", (language) => {
    const { declarations } = sample(language);
    const seen = new Set(declarations.map((d) => `${d.node.type}:${d.kind}`));
    // A function owned by a type is found as a method: both count for the pattern.
    const missing = declarationTable(language).filter((e) => !seen.has(`${e.nodeType}:${e.kind}`) && !(e.kind === "function" && seen.has(`${e.nodeType}:method`)));
    expect(missing).toEqual([]);
  });
});

describe("every consumer sees the table's declarations", () => {
  it.each(SAMPLED)("%s: the index extracts exactly the table's declarations", (language) => {
    const { text, declarations } = sample(language);
    const symbols = extractFile(text, language).symbols.map((s) => `${s.qualified}:${s.kind}:${s.startLine}`);
    expect(symbols).toEqual(declarations.map((d) => `${d.qualified}:${d.kind}:${line(d)}`));
  });

  it.each(SAMPLED)("%s: the outline lists the table's top-level code declarations and their members", (language) => {
    const { path, text, declarations } = sample(language);
    const isCode = (d: Declaration | null): d is Declaration => d !== null && !VALUE_KINDS.has(d.kind);
    const expected = declarations
      .filter((d) => isCode(d) && (d.parent === null || (isCode(d.parent) && d.parent.parent === null)))
      .map((d) => `${d.name}:${d.kind}:${d.parent?.name ?? null}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(outline(path, text).map((s) => `${s.name}:${s.kind}:${s.parent}`)).toEqual(expected);
  });

  it.each(SAMPLED)("%s: the action symbol at each declaration's name is that declaration (or the function it is local to)", (language) => {
    const { text, declarations } = sample(language);
    const isFunction = (d: Declaration): boolean => d.kind === "function" || d.kind === "method";
    /** The outermost function around `d`, else `d`: helpers inside a function belong to it. */
    const owner = (d: Declaration): Declaration => {
      let found = d;
      for (let p = d.parent; p; p = p.parent) if (isFunction(p)) found = p;
      return found;
    };
    const found = declarations.map((d) => {
      const symbol = symbolAt(text, language, { start: d.nameStart, end: d.nameStart });
      return `${symbol?.name}:${symbol?.isFunction}`;
    });
    expect(found).toEqual(declarations.map((d) => `${owner(d).name}:${isFunction(owner(d))}`));
  });
});
