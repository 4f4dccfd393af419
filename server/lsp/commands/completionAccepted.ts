import { z } from "zod";
import type { LspCommand } from "./types.js";

const ArgsSchema = z.object({ id: z.string() });

/** Attached to every completion item so acceptance is counted locally; nothing leaves the machine. */
export const completionAcceptedCommand: LspCommand = {
  id: "dhi.completion.accepted",
  async execute(argument, { workspace }) {
    const { id } = ArgsSchema.parse(argument);
    workspace.completionAccepted(id);
    return null;
  },
};
