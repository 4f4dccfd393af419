import { readWorkspaceText } from "../../util/safeFiles.js";

/** Lint / typecheck commands the project configures (package.json scripts), run before its tests. */
export function projectChecks(root: string): Array<{ name: string; command: string }> {
  try {
    const pkg = JSON.parse(readWorkspaceText(root, "package.json") ?? "{}") as { scripts?: Record<string, unknown> };
    const scripts = pkg.scripts ?? {};
    return ["typecheck", "lint"].filter((s) => typeof scripts[s] === "string").map((s) => ({ name: s, command: `npm run -s ${s}` }));
  } catch {
    return [];
  }
}
