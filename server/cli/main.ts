import { version } from "../util/version.js";
import { processIO, UsageError, type CliCommand, type CliIO } from "./args.js";
import { USAGE, wantsHelp } from "./usage.js";

// Each subcommand lives in its own module, loaded only when used, so `dhi --stdio` starts fast.
const COMMANDS: Record<string, () => Promise<{ run: CliCommand }>> = {
  complete: () => import("./commands/complete.js"),
  index: () => import("./commands/index.js"),
  search: () => import("./commands/search.js"),
  agent: () => import("./commands/agent.js"),
  test: () => import("./commands/test.js"),
  models: () => import("./commands/models.js"),
  doctor: () => import("./commands/doctor.js"),
  setup: () => import("./commands/setup.js"),
  trust: () => import("./commands/trust.js"),
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

export const HELP = `dhi — a local AI language server (FIM completions, AI code actions, verified agent edits)

Usage:
  dhi [--stdio | --socket=PORT | --node-ipc]   Run the language server (default: stdio)
  dhi complete FILE:LINE:COL [--model P] [--draft-model P] [--max-tokens N] [--json]
  dhi index [DIR] [--json]                     Build or update the index of DIR
  dhi search QUERY [--dir DIR] [-k N] [--json] Hybrid search over the index
  dhi agent "INSTRUCTION" [--dir DIR] [--apply] [--json]
  dhi test [--dir DIR] [--json]                Run the project's tests in the sandbox
  dhi models pull [--model NAME] [--draft-model NAME]
  dhi doctor [--json]                          Check model, draft, embeddings, grammars, index, sandbox
  dhi setup                                    First run: pull the default models, offer a native llama.cpp build
  dhi trust [DIR]                              Trust DIR's .dhi.json so its restricted settings apply
  dhi --version | --help | SUB --help

Positions on the CLI are 1-based. Exit codes: 0 success, 1 failure, 2 bad usage or configuration.
Environment: DHI_MODEL, DHI_DRAFT_MODEL, DHI_EMBED_MODEL, DHI_CACHE_DIR, DHI_SANDBOX, DOCKER_HOST, DHI_LOG_LEVEL.
`;

/** Returns the exit code, or null when the language server runs (it exits by itself). */
export async function main(argv: string[], io: CliIO = processIO): Promise<number | null> {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    io.stdout(HELP);
    return 0;
  }
  if (first === "--version" || first === "-v") {
    io.stdout(`${version()}\n`);
    return 0;
  }
  if (first === undefined || first.startsWith("--")) {
    const { startLanguageServer } = await import("../lsp/startServer.js");
    startLanguageServer(argv);
    return null;
  }
  const load = COMMANDS[first];
  if (!load) {
    io.stderr(`dhi: unknown command "${first}". Run \`dhi --help\` for the list.\n`);
    return 2;
  }
  if (wantsHelp(rest)) {
    io.stdout(USAGE[first] ?? HELP);
    return 0;
  }
  try {
    const { run } = await load();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n${error.showUsage ? (USAGE[first] ?? "") : ""}`);
      return 2;
    }
    io.stderr(`dhi: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
