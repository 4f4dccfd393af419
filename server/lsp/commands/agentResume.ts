import { z } from "zod";
import { resumeRun } from "../../agent/runAgent.js";
import { finishRun } from "./agentApply.js";
import { agentDepsFor, asParamsError } from "./agentDeps.js";
import type { LspCommand } from "./types.js";

const ArgsSchema = z.object({ runId: z.string().min(1) });

/** `dhi.agent.resume {runId}`: continues a checkpointed run and returns the same result shape as run. */
export const agentResumeCommand: LspCommand = {
  id: "dhi.agent.resume",
  async execute(argument, context) {
    try {
      const { runId } = ArgsSchema.parse(argument);
      return await context.withProgress("dhi agent (resumed)", async (report) => {
        const deps = await agentDepsFor(context, report);
        const outcome = await resumeRun(deps, runId);
        return finishRun(context, deps.root, deps.cacheDir, outcome);
      });
    } catch (error) {
      throw asParamsError(error);
    }
  },
};
