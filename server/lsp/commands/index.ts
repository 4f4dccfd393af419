import { agentResumeCommand } from "./agentResume.js";
import { agentRunCommand } from "./agentRun.js";
import { agentUndoCommand } from "./agentUndo.js";
import { architectureCommand } from "./architecture.js";
import { completionAcceptedCommand } from "./completionAccepted.js";
import { indexRebuildCommand } from "./indexRebuild.js";
import { searchCommand } from "./search.js";
import { testsRunCommand } from "./testsRun.js";
import type { LspCommand } from "./types.js";

/** Every executeCommand command the server advertises. Add new commands here. */
export const COMMANDS: readonly LspCommand[] = [completionAcceptedCommand, searchCommand, indexRebuildCommand, agentRunCommand, agentResumeCommand, agentUndoCommand, architectureCommand, testsRunCommand];

/** The contract's command names, advertised even before their engine lands (they then answer with a clear error). */
export const CONTRACT_COMMAND_IDS = [
  "dhi.agent.run",
  "dhi.agent.resume",
  "dhi.agent.undo",
  "dhi.index.rebuild",
  "dhi.search",
  "dhi.tests.run",
  "dhi.architecture",
  "dhi.completion.accepted",
] as const;
