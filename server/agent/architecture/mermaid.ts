import type { ModuleGraph } from "./collectModules.js";

// Diagrams use Mermaid's `architecture-beta` syntax: the only module/dependency diagram that the official
// grammar package (@mermaid-js/parser) can parse, so the output is checked by a real parser in tests.

/** A Mermaid identifier for a folder. */
export function mermaidId(dir: string): string {
  const id = `m_${dir === "." ? "root" : dir.replace(/[^A-Za-z0-9]+/g, "_")}`;
  return id.replace(/_+$/, "");
}

const title = (text: string) => text.replace(/[[\]\r\n]/g, " ");
const top = (dir: string) => (dir === "." ? "." : (dir.split("/")[0] as string));

/** Top-level modules and the dependencies between them. */
export function topLevelDiagram(graph: ModuleGraph): string {
  const tops = [...new Set(graph.directories.map((d) => top(d.dir)))];
  const lines = ["architecture-beta"];
  for (const t of tops) lines.push(`    service ${mermaidId(t)}(server)[${title(t === "." ? "(root)" : t)}]`);
  const seen = new Set<string>();
  for (const e of graph.edges) {
    const from = top(e.from);
    const to = top(e.to);
    const key = `${from}>${to}`;
    if (from === to || seen.has(key)) continue;
    seen.add(key);
    lines.push(`    ${mermaidId(from)}:R --> L:${mermaidId(to)}`);
  }
  return lines.join("\n");
}

/** Every source folder, grouped by top-level folder, with its import dependencies. */
export function directoryDiagram(graph: ModuleGraph, maxEdges = 200): string {
  const lines = ["architecture-beta"];
  const groups = new Map<string, string[]>();
  for (const d of graph.directories) groups.set(top(d.dir), [...(groups.get(top(d.dir)) ?? []), d.dir]);
  for (const [group, dirs] of groups) {
    const nested = dirs.length > 1 || dirs[0] !== group;
    if (nested) lines.push(`    group g_${mermaidId(group)}(cloud)[${title(group === "." ? "(root)" : group)}]`);
    for (const dir of dirs) lines.push(`    service ${mermaidId(dir)}(server)[${title(dir === "." ? "(root)" : dir)}]${nested ? ` in g_${mermaidId(group)}` : ""}`);
  }
  for (const e of graph.edges.slice(0, maxEdges)) lines.push(`    ${mermaidId(e.from)}:R --> L:${mermaidId(e.to)}`);
  return lines.join("\n");
}
