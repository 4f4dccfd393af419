import { createFile, editFile } from "../edit/fileChanges.js";
import { pathToFileURL } from "node:url";
import { languageOf, parse, type LanguageName } from "../../syntax/index.js";
import type { ActionProvider } from "../ActionProvider.js";
import { extractCode } from "../../text/fences.js";
import { indentUnit, reindent } from "../../text/indentation.js";
import { eolOf, lineStarts, lineAt } from "../../text/lines.js";
import { ActionRejectedError } from "../errors/ActionRejectedError.js";
import { generateVerified, languageOfUriWith, type BuildResult } from "../generateVerified.js";
import { TESTS_KIND, TITLES } from "../kinds.js";
import { fenceTags } from "../language/style.js";
import { symbolAt } from "../language/symbols.js";
import { detectTestLayout, TEST_LANGUAGES, type TestLayout } from "../language/testLayout.js";
import { contextSections, fenced, systemMessage } from "../prompt/messages.js";
import { selectionRegion } from "../regions.js";
import type { ActionDocument, FileChange, OffsetEdit } from "../types.js";
import type { WorkspaceFiles } from "../workspaceFiles.js";

/** `dhi: Generate tests`: a new test file (CreateFile + text) or tests added to the existing one. */
export const testsProvider: ActionProvider = {
  kind: TESTS_KIND,
  offers: (_request, language) => (language && TEST_LANGUAGES.has(language) ? [{ kind: TESTS_KIND, title: TITLES.tests }] : []),
  async resolve(request, env) {
    const { document } = request;
    const language = languageOf(document.path ?? document.uri, document.languageId);
    if (!language || !TEST_LANGUAGES.has(language)) throw new ActionRejectedError(`dhi: no known test layout for ${document.languageId}`);
    if (!document.path) throw new ActionRejectedError("dhi: save the file first: tests are placed next to it on disk");
    const symbol = symbolAt(document.text, language, request.selection);
    const region = request.selection.end > request.selection.start || !symbol ? selectionRegion(document.text, request.selection, language).span : symbol.outer;
    const code = document.text.slice(region.start, region.end);
    const layout = detectTestLayout(document.path, language, request.root, env.files, symbol?.name ?? null, document.text);
    env.debug(`tests: ${layout.framework}, ${layout.inline ? "inline module in" : "file"} ${layout.testPath}`);
    const tags = fenceTags(language, document.languageId);
    const sections = contextSections({ document, root: request.root, language, tag: tags[0], code, region, index: env.index });
    sections.push(`Write ${layout.framework} tests for this code${symbol ? ` (\`${symbol.name}\`)` : ""}:\n${fenced(tags[0], code)}`);
    if (layout.example) sections.push(`An existing test in this project (${layout.example.path}), for style:\n${fenced(tags[0], layout.example.text)}`);
    if (layout.header.length > 0) sections.push(`The test file starts with:\n${fenced(tags[0], layout.header.join("\n"))}`);
    sections.push(`Answer with only the test code that follows${layout.inline ? " inside `mod tests` (after `use super::*;`)" : " the file's imports"}, in one \`\`\`${tags[0]} block: no imports, a few focused cases.`);
    const existing = layout.inline ? document.text : env.files.read(layout.testPath);
    return generateVerified({
      env,
      label: "test generation",
      messages: [systemMessage(language), { role: "user", text: sections.join("\n\n") }],
      maxTokens: 768,
      build: (answer) => buildTests(answer, { document, layout, language, existing, files: env.files, tags }),
      languageOfUri: languageOfUriWith(document.uri, document.languageId),
    });
  },
};

interface TestsContext {
  document: ActionDocument;
  layout: TestLayout;
  language: LanguageName;
  existing: string | null;
  files: WorkspaceFiles;
  tags: readonly string[];
}

/** Names after `class` on a line. */
export function declaredClasses(line: string): string[] {
  return [...line.matchAll(/\bclass\s+([\w$]+)/g)].map((m) => m[1]);
}

function buildTests(answer: string, c: TestsContext): BuildResult {
  const extracted = extractCode(answer, c.tags);
  if (!extracted) return { ok: false, reason: "the model returned no test code" };
  const headerSet = new Set(c.layout.header.map((l) => l.trim()).filter((l) => l !== ""));
  // Models repeat the imports they were shown: drop exact duplicates of header lines (and a Rust `use super::*`).
  let lines = extracted.code.split("\n").filter((l) => !headerSet.has(l.trim()) && !(c.layout.inline && l.trim() === "use super::*;"));
  while (lines.length > 0 && lines[0].trim() === "") lines.shift();
  // The class name comes from a repository's file name: compared as a string, never compiled into a pattern.
  const wrapper = c.layout.wrapperClass;
  const ownWrapper = wrapper !== null && lines.some((l) => declaredClasses(l).includes(wrapper));
  const unit = c.existing ? indentUnit(c.existing) : c.language === "go" ? "\t" : c.language === "python" || c.language === "rust" || c.language === "java" ? "    " : "  ";
  const nested = c.layout.inline || (c.layout.wrapperClass !== null && !ownWrapper);
  const body = reindent(lines.join("\n"), { baseIndent: nested ? unit : "", unit });
  const uri = c.layout.inline ? c.document.uri : pathToFileURL(c.layout.testPath).href;

  if (c.layout.inline) return { ok: true, changes: [insertIntoRustModule(c.document, body)] };
  // A test folder that links out of the workspace would make the editor write there.
  const unsafe = c.files.unsafeWrite(c.layout.testPath);
  if (unsafe) return { ok: false, reason: unsafe };
  if (c.existing === null) {
    const header = ownWrapper ? c.layout.header.filter((l) => !l.startsWith("class ")) : c.layout.header;
    const parts = [...header, ...(header.length > 0 && !nested ? [""] : []), body, ...(nested ? ["}"] : [])];
    const text = `${parts.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
    return { ok: true, changes: [createFile(uri, text)] };
  }
  return { ok: true, changes: [appendToTestFile(uri, c.existing, c.layout, body, nested)] };
}

/** Adds tests to an existing file: missing header imports after the last import, tests at the end (or before a Java class's last brace). */
function appendToTestFile(uri: string, existing: string, layout: TestLayout, body: string, nested: boolean): FileChange {
  const eol = eolOf(existing);
  const edits: OffsetEdit[] = [];
  const lines = existing.split(/\r?\n/);
  const missing = layout.header.filter((l) => /^(import|from|use)\b/.test(l.trim()) && !lines.some((x) => x.trim() === l.trim()));
  if (missing.length > 0) {
    const starts = lineStarts(existing);
    let lastImport = -1;
    lines.forEach((l, i) => {
      if (/^(import|from|use|package)\b/.test(l.trim())) lastImport = i;
    });
    const at = lastImport >= 0 ? (starts[lastImport + 1] ?? existing.length) : 0;
    const prefix = at === existing.length && !existing.endsWith("\n") ? eol : "";
    edits.push({ start: at, end: at, newText: prefix + missing.join(eol) + eol });
  }
  const block = body.split("\n").join(eol);
  if (nested) {
    const close = existing.lastIndexOf("}");
    if (close >= 0) {
      const lineStart = existing.lastIndexOf("\n", close - 1) + 1;
      edits.push({ start: lineStart, end: lineStart, newText: eol + block + eol });
      return editFile(uri, existing, edits);
    }
  }
  const lead = existing === "" ? "" : existing.endsWith("\n") ? eol : eol + eol;
  edits.push({ start: existing.length, end: existing.length, newText: lead + block + eol });
  return editFile(uri, existing, edits);
}

/** Rust: into `mod tests` when the file has one, else a new `#[cfg(test)] mod tests` at the end. */
function insertIntoRustModule(document: ActionDocument, body: string): FileChange {
  const text = document.text;
  const eol = eolOf(text);
  const block = body.split("\n").join(eol);
  const tree = parse(text, "rust");
  const module = tree.rootNode.namedChildren.find((n) => n.type === "mod_item" && n.childForFieldName("name")?.text === "tests");
  const list = module?.childForFieldName("body");
  if (list && text[list.endIndex - 1] === "}") {
    const starts = lineStarts(text);
    const closeLine = lineAt(starts, list.endIndex - 1);
    const at = starts[closeLine];
    if (text.slice(at, list.endIndex - 1).trim() === "") {
      return editFile(document.uri, text, [{ start: at, end: at, newText: eol + block + eol }]);
    }
  }
  const lead = text === "" ? "" : text.endsWith("\n") ? eol : eol + eol;
  const unit = indentUnit(text);
  const module2 = ["#[cfg(test)]", "mod tests {", `${unit}use super::*;`, "", ...body.split("\n"), "}"].join(eol);
  return editFile(document.uri, text, [{ start: text.length, end: text.length, newText: lead + module2 + eol }]);
}
