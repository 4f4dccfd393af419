import { statSync } from "node:fs";
import { resolve } from "node:path";
import { trustWorkspaceSettings } from "../../config/loadSettings.js";
import { parseCliArgs, UsageError, type CliIO } from "../args.js";

export const USAGE = `Usage: dhi trust [DIR]

Trusts the current content of DIR's .dhi.json (default: the current directory), so that its restricted settings
take effect: backend.*, model.*, sandbox.*, agent.protectedPaths, index.maxFileBytes, index.embeddingModel.
Until then dhi ignores them and says which. Trust is kept by content hash in dhi's cache folder (DHI_CACHE_DIR),
never in the workspace: a changed file needs trusting again. Read the file before you trust it.
`;

/** `dhi trust [DIR]`: records the sha256 of DIR/.dhi.json as trusted for DIR. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, { help: { type: "boolean", short: "h" } });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`dhi: trust takes one directory (got ${positionals.length})`);
  const dir = resolve(io.cwd, positionals[0] ?? ".");
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`dhi: DIR "${dir}" is not a directory`);
  const trusted = trustWorkspaceSettings(dir, io.env);
  if (!trusted) throw new UsageError(`dhi: ${dir} has no .dhi.json; there is nothing to trust`);
  const keys = trusted.keys.length > 0 ? `; these restricted settings now apply: ${trusted.keys.join(", ")}` : "";
  io.stdout(`trusted ${trusted.file} (sha256 ${trusted.hash})${keys}\n`);
  return 0;
}
