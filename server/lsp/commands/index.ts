import { agentResumeCommand } from "./agentResume.js";
import { agentRunCommand } from "./agentRun.js";
import { agentUndoCommand } from "./agentUndo.js";
import { architectureCommand } from "./architecture.js";
import { completionAcceptedCommand } from "./completionAccepted.js";
import { completionPartiallyAcceptedCommand } from "./completionPartiallyAccepted.js";
import { indexRebuildCommand } from "./indexRebuild.js";
import { searchCommand } from "./search.js";
import { showAnswerCommand } from "./showAnswer.js";
import { testsRunCommand } from "./testsRun.js";
import type { LspCommand } from "./types.js";
import { workspaceTrustCommand } from "./workspaceTrust.js";

/** Every executeCommand command the server advertises. Add new commands here. */
export const COMMANDS: readonly LspCommand[] = [completionAcceptedCommand, completionPartiallyAcceptedCommand, searchCommand, indexRebuildCommand, agentRunCommand, agentResumeCommand, agentUndoCommand, architectureCommand, testsRunCommand, showAnswerCommand, workspaceTrustCommand];

export const COMMAND_IDS: readonly string[] = COMMANDS.map((command) => command.id);
