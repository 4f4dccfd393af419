import { pathToFileURL } from "node:url";
import { z } from "zod";
import { answerPath, readAnswer, SHOW_ANSWER_COMMAND } from "../answers.js";
import type { LspCommand } from "./types.js";

const ArgsSchema = z.object({ id: z.string(), message: z.string().optional() });

/**
 * `dhi.actions.showAnswer {id, message?}`: the command a window-answer code action carries. A short answer
 * goes to window/showMessage; a longer one opens its markdown file (window/showDocument), or, for a client
 * without showDocument, goes to a message too.
 */
export const showAnswerCommand: LspCommand = {
  id: SHOW_ANSWER_COMMAND,
  async execute(argument, { workspace, showDocument, showMessage }) {
    const { id, message } = ArgsSchema.parse(argument);
    const dir = workspace.answersDir;
    const path = answerPath(dir, id);
    if (message !== undefined) {
      showMessage(message);
      return { shown: "message" };
    }
    const uri = pathToFileURL(path).href;
    if (await showDocument(uri)) return { shown: "document", uri };
    showMessage(readAnswer(dir, id));
    return { shown: "message" };
  },
};
