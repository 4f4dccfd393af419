import type { CliIO } from "../args.js";

// Placeholder until the owning engine lands; replaced by the real command.
export async function run(_argv: string[], io: CliIO): Promise<number> {
  io.stderr("dhi: `search` is not available in this build yet\n");
  return 1;
}
