import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { CodeIndex } from "../../index/types.js";
import { languageOf } from "../../syntax/index.js";
import { throwIfAborted } from "../../util/abort.js";
import { outline } from "../symbols/outline.js";
import { importsOf } from "../tools/findReferences.js";
import { listFiles } from "../tools/listFiles.js";
import { isTestFile, localImports } from "../tools/projectFiles.js";
import { readWorkspaceFile } from "../tools/readFile.js";

export interface DirectoryInfo {
  /** Workspace-relative folder ("." for the root). */
  dir: string;
  files: string[];
  languages: string[];
  /** Top-level symbols, most of them exported API. */
  symbols: string[];
  tests: number;
  /** sha256 over the folder's files' paths and contents: what decides whether it is re-summarised. */
  hash: string;
}

export interface ModuleGraph {
  directories: DirectoryInfo[];
  /** Folder → folders it imports from, with the number of imports. */
  edges: Array<{ from: string; to: string; count: number }>;
}

const MAX_FILE_BYTES = 500_000;

/** Top-level symbols from the index's chunks, or from tree-sitter when there is no index. */
function topLevelSymbols(index: CodeIndex | null, path: string, text: string): string[] {
  if (index) {
    try {
      const names = index.chunksOf(path).filter((c) => c.symbol && !c.parent).map((c) => c.symbol as string);
      if (names.length > 0) return names;
    } catch {
      // Fall through to tree-sitter.
    }
  }
  return outline(path, text).filter((s) => s.parent === null).map((s) => s.name);
}

/** The repo's source folders, their hashes and symbols, and the folder-level import graph. */
export async function collectModules(root: string, index: CodeIndex | null, signal?: AbortSignal): Promise<ModuleGraph> {
  const all = await listFiles(root, { signal, limit: 20_000 });
  const sources = all.filter((p) => languageOf(p) !== null && !p.startsWith("docs/"));
  const fileSet = new Set(all);
  const byDir = new Map<string, { files: string[]; hash: ReturnType<typeof createHash>; languages: Set<string>; symbols: string[]; tests: number }>();
  const edgeCounts = new Map<string, number>();
  for (const path of sources) {
    throwIfAborted(signal);
    const text = await readWorkspaceFile(root, path);
    if (text === null || text.length > MAX_FILE_BYTES) continue;
    const dir = posix.dirname(path);
    let entry = byDir.get(dir);
    if (!entry) {
      entry = { files: [], hash: createHash("sha256"), languages: new Set(), symbols: [], tests: 0 };
      byDir.set(dir, entry);
    }
    entry.files.push(path);
    entry.hash.update(`${path}\0${text}\0`);
    entry.languages.add(languageOf(path) as string);
    if (isTestFile(path)) entry.tests++;
    else entry.symbols.push(...topLevelSymbols(index, path, text));
    const imports = index ? importsOf(index, path) : localImports(path, text, fileSet);
    for (const target of imports) {
      const to = posix.dirname(target);
      if (to !== dir) edgeCounts.set(`${dir}\0${to}`, (edgeCounts.get(`${dir}\0${to}`) ?? 0) + 1);
    }
  }
  const directories: DirectoryInfo[] = [...byDir.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([dir, e]) => ({ dir, files: e.files, languages: [...e.languages].sort(), symbols: [...new Set(e.symbols)], tests: e.tests, hash: e.hash.digest("hex") }));
  const known = new Set(directories.map((d) => d.dir));
  const edges = [...edgeCounts.entries()]
    .map(([key, count]) => {
      const [from, to] = key.split("\0") as [string, string];
      return { from, to, count };
    })
    .filter((e) => known.has(e.from) && known.has(e.to))
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return { directories, edges };
}
