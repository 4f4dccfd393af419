import { languageOf } from "../../syntax/index.js";
import { editPermission } from "../safety/protectedPaths.js";
import { outline } from "../symbols/outline.js";
import { importsOf } from "../tools/findReferences.js";
import { listFiles } from "../tools/listFiles.js";
import { fileLineMentions, isTestFile, localImports, pathsInInstruction } from "../tools/projectFiles.js";
import { readWorkspaceFile } from "../tools/readFile.js";
import { queryTerms, searchCode } from "../tools/searchCode.js";
import type { Target } from "../types.js";
import { keywordIntent } from "./understand.js";
import type { StateContext, StateHandler } from "./StateContext.js";

const MAX_TARGETS = 8;
/** Test files are edited only when the instruction asks for tests to be written (or names the file). */
const WRITES_TESTS = /\b(add|write|create|generate|extend|update)\s+(?:(?:a|an|the|some|more|unit|new|missing|integration)\s+)*tests?\b/i;
const WHOLE_FILE_MAX_LINES = 400;

/** Symbols of a file as targets; a file without symbols (config, docs) is one whole-file target. */
async function fileTargets(context: StateContext, path: string, reason: string, score: number, preferred: ReadonlySet<string>): Promise<Target[]> {
  const text = await readWorkspaceFile(context.deps.root, path);
  if (text === null) return [];
  const symbols = outline(path, text);
  if (symbols.length === 0) {
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    return lines <= WHOLE_FILE_MAX_LINES ? [{ path, symbol: null, startLine: 1, endLine: lines, reason, score }] : [];
  }
  const named = symbols.filter((s) => preferred.has(s.name.toLowerCase()));
  const picked = named.length > 0 ? named : symbols.filter((s) => s.parent === null).slice(0, 6);
  return picked.map((s) => ({ path, symbol: s.name, startLine: s.startLine, endLine: s.endLine, reason, score: score + (named.length > 0 ? 5 : 0) }));
}

/** The symbol containing a line, as a target. */
async function containingTarget(context: StateContext, path: string, line: number, reason: string, score: number): Promise<Target | null> {
  const text = await readWorkspaceFile(context.deps.root, path);
  if (text === null) return null;
  const inner = outline(path, text)
    .filter((s) => s.startLine <= line && line <= s.endLine)
    .sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine))[0];
  return inner ? { path, symbol: inner.name, startLine: inner.startLine, endLine: inner.endLine, reason, score } : null;
}

/**
 * LOCATE: the harness finds what to edit from the files named in `uris` and in the instruction, hybrid search,
 * the symbol graph, and (for fixes) the failing tests' output. The model does not choose files.
 */
export const locate: StateHandler = async (context) => {
  const { deps, snapshot } = context;
  const { instruction, paths } = snapshot.request;
  const files = await listFiles(deps.root, { signal: deps.signal });
  const fileSet = new Set(files);
  const terms = new Set(queryTerms(instruction));
  const found: Target[] = [];
  const named = new Set(paths);

  for (const path of paths) found.push(...(await fileTargets(context, path, "uri", 10, terms)));
  for (const path of pathsInInstruction(instruction)) {
    if (fileSet.has(path)) {
      named.add(path);
      found.push(...(await fileTargets(context, path, "instruction", 9, terms)));
    }
  }
  if (deps.index) {
    for (const term of queryTerms(instruction)) {
      for (const def of deps.index.definitions(term)) {
        found.push({ path: def.path, symbol: def.name, startLine: def.startLine, endLine: def.endLine, reason: "definition", score: 8 });
      }
    }
  }

  // The failing tests are the best evidence for a fix; the keywords decide too, so a weak classifier cannot hide them.
  if ((snapshot.intent === "fix" || keywordIntent(instruction) === "fix") && deps.tests) {
    deps.onProgress?.({ message: "dhi agent: LOCATE — running the tests to see what fails", percentage: 18 });
    snapshot.baseline = await deps.tests.run(new Map(), deps.signal);
    if (snapshot.baseline.ran && snapshot.baseline.failed > 0) {
      const output = snapshot.baseline.output;
      for (const mention of fileLineMentions(output, fileSet)) {
        if (!isTestFile(mention.path)) {
          const t = await containingTarget(context, mention.path, mention.line, "test-failure", 6);
          if (t) found.push(t);
          continue;
        }
        // A failing test points at the code it imports; symbols named in the failure rank higher.
        const testText = (await readWorkspaceFile(deps.root, mention.path)) ?? "";
        const imported = deps.index ? importsOf(deps.index, mention.path) : localImports(mention.path, testText, fileSet);
        const mentioned = new Set((output.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).map((w) => w.toLowerCase()));
        for (const path of imported.filter((p) => !isTestFile(p))) found.push(...(await fileTargets(context, path, "test-failure", 3, mentioned)));
      }
    }
  }

  found.push(...(await searchCode({ root: deps.root, index: deps.index, query: instruction, k: 8, signal: deps.signal })));

  // Gates: source files only unless named, no tests unless named or adding tests, protected paths refused.
  const merged = new Map<string, Target>();
  for (const target of found) {
    const isNamed = named.has(target.path);
    if (!isNamed && languageOf(target.path) === null) continue;
    if (!isNamed && isTestFile(target.path) && !WRITES_TESTS.test(instruction)) continue;
    const permission = editPermission(target.path, instruction, deps.settings.protectedPaths);
    if (!permission.allowed) {
      if (!snapshot.notes.includes(`refused: ${permission.reason}`)) snapshot.notes.push(`refused: ${permission.reason}`);
      continue;
    }
    const key = `${target.path}:${target.startLine}`;
    const previous = merged.get(key);
    if (!previous) merged.set(key, { ...target });
    else {
      previous.score += target.score;
      if (!previous.reason.split("+").includes(target.reason)) previous.reason += `+${target.reason}`;
    }
  }
  snapshot.targets = [...merged.values()].sort((a, b) => b.score - a.score || a.path.localeCompare(b.path)).slice(0, MAX_TARGETS);
  return snapshot.intent === "explain" ? "COMPLETE" : "PLAN";
};
