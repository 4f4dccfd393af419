import { z } from "zod";
import type { LspCommand } from "./types.js";

const ArgsSchema = z.object({ id: z.string().min(1), acceptedLength: z.number().int().min(1) });

/** A partial accept (by word or line) of a completion, counted locally like `dhi.completion.accepted`. */
export const completionPartiallyAcceptedCommand: LspCommand = {
  id: "dhi.completion.partiallyAccepted",
  async execute(argument, { workspace }) {
    const { id, acceptedLength } = ArgsSchema.parse(argument);
    workspace.completionPartiallyAccepted(id, acceptedLength);
    return null;
  },
};
