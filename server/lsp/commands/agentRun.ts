import { fileURLToPath } from "node:url";
import { z } from "zod";
import { startRun } from "../../agent/runAgent.js";
import { digestInputs, NO_INPUTS } from "../../agent/staleInputs.js";
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
      const paths = (args.uris ?? []).map(uriToPath);
      // Before the first await: an edit the editor sends after this request counts as a changed input.
      const started = context.workspace.root ? digestInputs(context.workspace.root, paths) : NO_INPUTS;
      return await context.withProgress("dhi agent", async (report) => {
        const deps = await agentDepsFor(context, report);
        const outcome = await startRun(deps, { instruction: args.instruction, paths, apply: args.apply ?? false });
        return finishRun(context, deps.root, deps.cacheDir, outcome, started);
      });
    } catch (error) {
      throw asParamsError(error);
    }
  },
};
