import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** One import of one source file, as the TypeScript parser sees it. */
export interface ImportEdge {
  /** Importing file, relative to the source root (e.g. `lsp/DhiServer.ts`). */
  file: string;
  /** The module specifier as written. */
  specifier: string;
  /** For relative imports: the imported file's top-level folder (`index`, `util`, …); null for packages. */
  toFolder: string | null;
  /** Erased at run time (`import type`, or every named binding is `type`). */
  typeOnly: boolean;
}

/** Top-level folder of a path relative to the source root; files at the root count as their own name (`cli.ts` → `cli`). */
export function folderOf(relPath: string): string {
  return relPath.split("/")[0].replace(/\.(ts|js)$/, "");
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly;
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

/** Every import, re-export and dynamic `import()` in one source text. */
export function importsOf(file: string, source: string, root: string): ImportEdge[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const toFolder = specifier.startsWith(".") ? folderOf(relative(root, resolve(dirname(resolve(root, file)), specifier))) : null;
    edges.push({ file, specifier, toFolder, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnly(node));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

/** The imports of every `.ts` file below `root`. */
export function importsBelow(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".ts")) edges.push(...importsOf(relative(root, path), readFileSync(path, "utf8"), root));
    }
  };
  walk(root);
  return edges;
}

/** Folder-level cycles (each as a path `a → b → … → a`), found by DFS over the folder graph. */
export function folderCycles(edges: readonly ImportEdge[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    const from = folderOf(e.file);
    if (e.toFolder === null || e.toFolder === from) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)?.add(e.toFolder);
  }
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const dfs = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].join(" → "));
      else if (!state.has(next)) dfs(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) dfs(node);
  return cycles;
}
