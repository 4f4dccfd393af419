import { parseArgs, type ParseArgsConfig } from "node:util";

/** Bad usage or configuration: the CLI exits 2 with this one-line message (and, for a bad flag or argument, the usage). */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    /** Show the subcommand's usage after the message: the command line itself was malformed. */
    readonly showUsage = false,
  ) {
    super(message);
  }
}

/** Output streams, injectable so tests can capture them. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** True when stderr is a terminal: progress lines are drawn there only then. */
  stderrIsTerminal?: boolean;
}

export const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  stderrIsTerminal: process.stderr.isTTY === true,
};

export type CliCommand = (argv: string[], io: CliIO) => Promise<number>;

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs, with its errors turned into one-line UsageErrors. */
export function parseCliArgs<T extends Options>(argv: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    // node:util adds advice about "--" to every unknown option; the flag itself is what matters.
    const message = error instanceof Error ? (error.message.split("\n")[0] ?? "").replace(/\. To specify a positional argument.*$/, "") : String(error);
    throw new UsageError(`dhi: ${message}`, true);
  }
}

/** Parses an integer option, naming the flag when it is not one. */
export function intOption(value: string | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`dhi: ${flag} must be an integer ≥ ${min} (got "${value}")`);
  return n;
}
