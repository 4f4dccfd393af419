import { pathToFileURL } from "node:url";
import type { ConfigurationItem } from "vscode-languageserver/node";
import { readWorkspaceSettingsFile } from "../config/loadSettings.js";
import { resolveSettings, type ResolvedSettings, type SettingsLayer } from "../config/resolveSettings.js";

/** The workspace/configuration item for one folder (null: the folderless workspace), scoped so a client can answer per folder. */
export function configurationItem(root: string | null): ConfigurationItem {
  return root ? { section: "dhi", scopeUri: pathToFileURL(root).href } : { section: "dhi" };
}

/**
 * One folder's settings, a later layer winning: the folder's `.dhi.json`, initializationOptions, the client's
 * workspace/configuration answer for that folder; then the environment. A broken `.dhi.json` is one more error;
 * restricted keys of an untrusted `.dhi.json` are left out, with one warning naming them (workspace trust).
 */
export function resolveFolderSettings(root: string | null, initializationOptions: unknown, clientValues: unknown, env: NodeJS.ProcessEnv): ResolvedSettings {
  const layers: SettingsLayer[] = [];
  const problems: string[] = [];
  const notices: string[] = [];
  if (root) {
    const { layer, error, notice } = readWorkspaceSettingsFile(root, env);
    if (layer) layers.push(layer);
    if (error) problems.push(error);
    if (notice) notices.push(notice);
  }
  if (initializationOptions !== undefined) layers.push({ source: "initializationOptions", values: initializationOptions });
  if (clientValues !== null && clientValues !== undefined) layers.push({ source: "workspace/configuration", values: clientValues });
  const resolved = resolveSettings(layers, env);
  resolved.errors.unshift(...problems);
  resolved.warnings.unshift(...notices);
  return resolved;
}
