import type { CliIO } from "../args.js";

// Placeholder; replaced by the real command below once the completion service lands.
export async function run(_argv: string[], io: CliIO): Promise<number> {
  io.stderr("dhi: `complete` is not available in this build yet\n");
  return 1;
}
