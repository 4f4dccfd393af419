import { describe, expect, it } from "vitest";
import { Workspace } from "../../server/workspace/Workspace.js";
import { UnknownFolderError, WorkspaceFolders } from "../../server/lsp/WorkspaceFolders.js";
import { Logger } from "../../server/util/logger.js";

// Routing of documents and command arguments to workspace folders (the server test covers the rest end to end).

function folders() {
  const disposed: Array<string | null> = [];
  const registry = new WorkspaceFolders(
    (root) => ({ workspace: new Workspace(root, new Logger("error")) }),
    async ({ workspace }) => void disposed.push(workspace.root),
  );
  return { registry, disposed };
}

describe("WorkspaceFolders", () => {
  it("routes a document to the innermost folder containing it, and others to the folderless workspace", () => {
    const { registry } = folders();
    registry.add({ uri: "file:///work/repo", name: "repo" });
    registry.add({ uri: "file:///work/repo/packages/app", name: "app" });
    registry.add({ uri: "file:///work/repo-other", name: "other" });
    expect(registry.forDocument("file:///work/repo/packages/app/src/x.ts").workspace.root).toBe("/work/repo/packages/app");
    expect(registry.forDocument("file:///work/repo/packages/lib/y.ts").workspace.root).toBe("/work/repo");
    // A sibling whose name starts with the same letters is not inside.
    expect(registry.forDocument("file:///work/repo-other/z.ts").workspace.root).toBe("/work/repo-other");
    expect(registry.forDocument("file:///elsewhere/z.ts")).toBe(registry.outside);
    expect(registry.forDocument("untitled:Untitled-1")).toBe(registry.outside);
    expect(registry.outside.workspace.root).toBeNull();
  });

  it("routes commands by their uri or uris argument, and names the folders for an unknown one", () => {
    const { registry } = folders();
    expect(registry.forArgument({ query: "x" })).toBe(registry.outside); // no folder open
    registry.add({ uri: "file:///a", name: "a" });
    registry.add({ uri: "file:///b", name: "b" });
    expect(registry.forArgument(undefined).workspace.root).toBe("/a");
    expect(registry.forArgument({ uri: "file:///b" }).workspace.root).toBe("/b");
    expect(registry.forArgument({ uris: ["file:///b/src/x.py"] }).workspace.root).toBe("/b");
    expect(() => registry.forArgument({ uri: "file:///c/x.py" })).toThrow(new UnknownFolderError("dhi: file:///c/x.py is not in any workspace folder; the folders are file:///a, file:///b"));
  });

  it("disposes a removed folder, rejects unknown and non-file folders, and forgets its completions", async () => {
    const { registry, disposed } = folders();
    const a = registry.add({ uri: "file:///a", name: "a" });
    expect(registry.add({ uri: "file:///a", name: "again" })).toBe(a);
    registry.rememberCompletion("c1", a.parts.workspace);
    expect(registry.completionOwner("c1")).toBe(a.parts.workspace);
    expect(() => registry.add({ uri: "https://example.com/repo", name: "web" })).toThrow(/is not a file: URI/);
    await expect(registry.remove("file:///nope")).rejects.toThrow("dhi: file:///nope is not an open workspace folder; the folders are file:///a");
    await registry.remove("file:///a");
    expect(disposed).toEqual(["/a"]);
    expect(registry.entries()).toEqual([]);
    expect(registry.completionOwner("c1")).toBe(registry.outside.workspace);
  });
});
