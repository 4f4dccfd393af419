import { fileURLToPath } from "node:url";
import { z } from "zod";
import { startRun } from "../../agent/runAgent.js";
import { finishRun } from "./agentApply.js";
import { agentDepsFor, asParamsError } from "./agentDeps.js";
import type { LspCommand } from "./types.js";

const ArgsSchema = z.object({
  instruction: z.string().trim().min(1),
  uris: z.array(z.string()).optional(),
  apply: z.boolean().optional(),
});

/** Only file: URIs name workspace files; anything else is passed on so the agent refuses it by name. */
function uriToPath(uri: string): string {
  return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
}

/** `dhi.agent.run {instruction, uris?, apply?}` → `{runId, edit, summary, verified, iterations}`. */
export const agentRunCommand: LspCommand = {
  id: "dhi.agent.run",
  async execute(argument, context) {
    try {
      const args = ArgsSchema.parse(argument);
      return await context.withProgress("dhi agent", async (report) => {
        const deps = await agentDepsFor(context, report);
        const outcome = await startRun(deps, { instruction: args.instruction, paths: (args.uris ?? []).map(uriToPath), apply: args.apply ?? false });
        return finishRun(context, deps.root, deps.cacheDir, outcome);
      });
    } catch (error) {
      throw asParamsError(error);
    }
  },
};
