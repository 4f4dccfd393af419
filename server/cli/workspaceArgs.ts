import { statSync } from "node:fs";
import { resolve } from "node:path";
import { loadSettingsForDirectory } from "../config/loadSettings.js";
import type { Settings } from "../config/schema.js";
import { UsageError, type CliIO } from "./args.js";

export interface CliWorkspace {
  /** Absolute directory. */
  dir: string;
  settings: Settings;
}

/**
 * Resolves a directory argument (default: the current directory) and loads its settings.
 * Warnings go to stderr; bad configuration is a UsageError (exit 2), one line per problem.
 */
export function loadCliWorkspace(dirArgument: string | undefined, io: CliIO, argumentName = "--dir"): CliWorkspace {
  const dir = resolve(io.cwd, dirArgument ?? ".");
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`dhi: ${argumentName} "${dir}" is not a directory`);
  const resolved = loadSettingsForDirectory(dir, io.env);
  for (const warning of resolved.warnings) io.stderr(`${warning}\n`);
  // The server keeps running on defaults; a one-shot command stops instead, so drop the resolver's "using the default".
  if (resolved.errors.length) throw new UsageError(resolved.errors.map((e) => e.replace(/; using the default$/, "")).join("\n"));
  return { dir, settings: resolved.settings };
}
