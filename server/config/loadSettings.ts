import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveSettings, type ResolvedSettings, type SettingsLayer } from "./resolveSettings.js";

export const WORKSPACE_SETTINGS_FILE = ".dhi.json";

/** Reads `.dhi.json` in `root`; a broken file becomes an error line, never an exception. */
export function readWorkspaceSettingsFile(root: string): { layer: SettingsLayer | null; error: string | null } {
  const file = join(root, WORKSPACE_SETTINGS_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { layer: null, error: null };
  }
  try {
    return { layer: { source: file, values: JSON.parse(text) as unknown }, error: null };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { layer: null, error: `dhi: ${file} is not valid JSON (${reason}); ignoring it` };
  }
}

/** Settings for the CLI: `.dhi.json` in `root`, then the environment. */
export function loadSettingsForDirectory(root: string, env: NodeJS.ProcessEnv = process.env): ResolvedSettings {
  const { layer, error } = readWorkspaceSettingsFile(root);
  const resolved = resolveSettings(layer ? [layer] : [], env);
  if (error) resolved.errors.unshift(error);
  return resolved;
}
