import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ActionAnswer } from "../actions/types.js";

// Answers that open in a window (Explain, user actions with result "window"): written as markdown files
// in the cache, then shown by the `dhi.actions.showAnswer` command the resolved code action carries.

export const SHOW_ANSWER_COMMAND = "dhi.actions.showAnswer";

/** Answers this short (one line) go to window/showMessage rather than a document. */
const SHORT_ANSWER_CHARS = 160;

export interface ShowAnswerArgs {
  id: string;
  /** Set for short answers: shown as a message. */
  message?: string;
}

const ID = /^[0-9a-f]{16}$/;

export function answerPath(dir: string, id: string): string {
  if (!ID.test(id)) throw new Error(`dhi: "${id}" is not an answer id`);
  return join(dir, `${id}.md`);
}

/** Writes the answer's markdown; the command arguments that show it. */
export function saveAnswer(dir: string, answer: ActionAnswer): ShowAnswerArgs {
  const text = answer.text.trim();
  mkdirSync(dir, { recursive: true });
  const id = randomBytes(8).toString("hex");
  writeFileSync(answerPath(dir, id), answer.markdown);
  const short = text.length <= SHORT_ANSWER_CHARS && !text.includes("\n");
  return short ? { id, message: `${answer.title}: ${text}` } : { id };
}

export function readAnswer(dir: string, id: string): string {
  return readFileSync(answerPath(dir, id), "utf8");
}
