import { statSync } from "node:fs";
import { resolve } from "node:path";
import { trustWorkspaceSettings } from "../../config/loadSettings.js";
import { parseCliArgs, UsageError, type CliIO } from "../args.js";

/** `dhi trust [DIR]`: records the sha256 of DIR/.dhi.json as trusted for DIR. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { positionals } = parseCliArgs(argv, {});
  if (positionals.length > 1) throw new UsageError(`dhi: trust takes one directory (got ${positionals.length})`, true);
  const dir = resolve(io.cwd, positionals[0] ?? ".");
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`dhi: DIR "${dir}" is not a directory`);
  const trusted = trustWorkspaceSettings(dir, io.env);
  if (!trusted) throw new UsageError(`dhi: ${dir} has no .dhi.json; there is nothing to trust`);
  const keys = trusted.keys.length > 0 ? `; these restricted settings now apply: ${trusted.keys.join(", ")}` : "";
  io.stdout(`trusted ${trusted.file} (sha256 ${trusted.hash})${keys}\n`);
  return 0;
}
