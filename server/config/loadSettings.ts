import { join } from "node:path";
import { isRefusal, readWorkspaceBytes, worthLogging } from "../util/safeFiles.js";
import { resolveSettings, type ResolvedSettings, type SettingsLayer } from "./resolveSettings.js";

export const WORKSPACE_SETTINGS_FILE = ".dhi.json";

/** A settings file is a few hundred bytes; anything past this is a mistake or an attack. */
const SETTINGS_FILE_CAP = 1024 * 1024;

/** Reads `.dhi.json` in `root`; a broken file becomes an error line, never an exception. */
export function readWorkspaceSettingsFile(root: string): { layer: SettingsLayer | null; error: string | null } {
  const file = join(root, WORKSPACE_SETTINGS_FILE);
  // Through the safe reader: a repository's .dhi.json may link to /dev/zero or out of the workspace.
  const read = readWorkspaceBytes(root, WORKSPACE_SETTINGS_FILE, SETTINGS_FILE_CAP);
  if (isRefusal(read)) return { layer: null, error: worthLogging(read) ? `${read.message}; ignoring it` : null };
  const text = read.bytes.toString("utf8");
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
