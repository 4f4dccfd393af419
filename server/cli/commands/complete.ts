import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { loadSettingsForDirectory, WORKSPACE_SETTINGS_FILE } from "../../config/loadSettings.js";
import { AcceptanceStore } from "../../completion/AcceptanceStore.js";
import type { RequestSpeculation } from "../../completion/types.js";
import { FimUnsupportedError, ModelNotConfiguredError, ModelNotFoundError } from "../../inference/errors.js";
import { chooseModel } from "../../inference/modelResolver.js";
import { expandPath, isRemoteModelUri } from "../../inference/modelSource.js";
import { errorMessage, Logger, parseLogLevel } from "../../util/logger.js";
import { workspaceCacheDir } from "../../util/paths.js";
import { isRefusal, readBoundedFile } from "../../util/safeFiles.js";
import { Workspace } from "../../workspace/Workspace.js";
import { intOption, parseCliArgs, UsageError, type CliIO } from "../args.js";

// `dhi complete FILE:LINE:COL`: the same CompletionService the language server uses, with the response budget
// off (a script wants the full completion) and no debounce. When the workspace has an index (`dhi index`, or the
// server's), completions retrieve from it as in the editor; it is read as it is, not updated first.

export interface CursorPosition {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units. */
  column: number;
}

/** Parses FILE:LINE:COL from the right, so file names may contain colons. */
export function parsePosition(spec: string): CursorPosition {
  const match = /^(.+):(\d+):(\d+)$/.exec(spec);
  if (!match) throw new UsageError(`dhi: expected FILE:LINE:COL (1-based), got "${spec}"`);
  const line = Number(match[2]);
  const column = Number(match[3]);
  if (line < 1 || column < 1) throw new UsageError(`dhi: LINE and COL are 1-based, got "${spec}"`);
  return { file: match[1], line, column };
}

/** Offset of a 1-based line/column (UTF-16) in `text`; a UsageError naming the position when it is outside. */
export function offsetOf(text: string, position: CursorPosition): number {
  let lineStart = 0;
  for (let line = 1; line < position.line; line++) {
    const newline = text.indexOf("\n", lineStart);
    if (newline < 0) throw new UsageError(`dhi: ${position.file} has only ${line} lines (asked for line ${position.line})`);
    lineStart = newline + 1;
  }
  const newline = text.indexOf("\n", lineStart);
  const lineEnd = newline < 0 ? text.length : newline;
  const lineLength = lineEnd - lineStart - (text[lineEnd - 1] === "\r" ? 1 : 0);
  if (position.column > lineLength + 1) {
    throw new UsageError(`dhi: line ${position.line} of ${position.file} has ${lineLength} characters; COL must be 1..${lineLength + 1} (got ${position.column})`);
  }
  return lineStart + position.column - 1;
}

/** The nearest directory at or above `dir` holding .dhi.json, else `fallback`. */
function settingsRoot(dir: string, fallback: string): string {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, WORKSPACE_SETTINGS_FILE))) return current;
    if (dirname(current) === current) return fallback;
  }
}

function modelArgument(value: string, cwd: string): string {
  return isRemoteModelUri(value) ? value.trim() : expandPath(value, cwd);
}

/** The file the user names may be large (it is completed from a window around the position), but not unbounded. */
const CLI_FILE_CAP = 64 * 1024 * 1024;

function isConfigurationError(error: unknown): boolean {
  return error instanceof ModelNotConfiguredError || error instanceof ModelNotFoundError || error instanceof FimUnsupportedError;
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, {
    model: { type: "string" },
    "draft-model": { type: "string" },
    "max-tokens": { type: "string" },
    json: { type: "boolean", default: false },
  });
  if (positionals.length !== 1) throw new UsageError(`dhi: complete takes one FILE:LINE:COL (got ${positionals.length})`, true);
  const position = parsePosition(positionals[0]);
  const file = resolve(io.cwd, position.file);
  // A bounded read even of the user's own file: FILE may be a device or a FIFO by mistake.
  const read = readBoundedFile(file, CLI_FILE_CAP);
  if (isRefusal(read)) throw new UsageError(read.refused === "missing" ? `dhi: no such file: ${position.file}` : read.message);
  const text = read.bytes.toString("utf8");
  const offset = offsetOf(text, position);
  const maxTokens = intOption(values["max-tokens"], "--max-tokens", 0);

  const cwd = resolve(io.cwd);
  const root = settingsRoot(dirname(file), file.startsWith(`${cwd}/`) ? cwd : dirname(file));
  const resolved = loadSettingsForDirectory(root, io.env);
  for (const line of [...resolved.errors, ...resolved.warnings]) io.stderr(`${line}\n`);
  const settings = resolved.settings;
  // Paths on the command line are relative to the shell's folder; hf:/https URIs pass through.
  if (values.model !== undefined) settings.model.path = modelArgument(values.model, io.cwd);
  if (values["draft-model"] !== undefined) settings.model.draftPath = modelArgument(values["draft-model"], io.cwd);
  if (settings.backend.type === "embedded" && !chooseModel(settings.model, io.env, io.cwd)) throw new UsageError(new ModelNotConfiguredError().message);
  const completion = { ...settings.completion, responseBudgetMs: 0, debounceMs: 0, enabled: true };

  const logger = new Logger(parseLogLevel(io.env.DHI_LOG_LEVEL ?? "warn"));
  const workspace = await Workspace.withSettings(root, { ...settings, completion }, logger, io.env);
  // Read as it is: an index built before (by `dhi index` or the server) gives retrieval; none is created here.
  await workspace.existingIndex();
  const service = workspace.completion;
  try {
    const path = relative(root, file).split("\\").join("/") || file;
    const result = await service.complete({ uri: file, path, text, offset, maxTokens: maxTokens > 0 ? maxTokens : undefined });
    const completionText = result?.text ?? "";
    recordSpeculation(root, io.env, (result?.debug ?? service.lastDiscarded)?.speculation, logger);
    if (values.json) {
      // An empty answer still explains itself: what went into the prompt and which filter dropped the text.
      const debug = result?.debug ?? service.lastDiscarded;
      const payload = {
        text: completionText,
        replaceStart: result?.replaceStart ?? offset,
        replaceEnd: result?.replaceEnd ?? offset,
        multiline: debug?.multiline ?? null,
        multilineReason: debug?.multilineReason ?? null,
        filtersApplied: debug?.filtersApplied ?? [],
        timings: debug?.timings ?? {},
        tokens: debug?.tokens ?? {},
        context: debug?.context ?? [],
        raw: debug?.rawText ?? null,
        speculation: debug?.speculation ?? null,
      };
      io.stdout(`${JSON.stringify(payload)}\n`);
    } else {
      io.stdout(completionText.endsWith("\n") || completionText === "" ? completionText : `${completionText}\n`);
    }
    return 0;
  } catch (error) {
    if (isConfigurationError(error)) throw new UsageError(error instanceof Error ? error.message : String(error));
    throw error;
  } finally {
    await workspace.dispose();
  }
}

/** Adds this request's speculative decoding to the workspace's totals, which `dhi doctor --json` reports. */
function recordSpeculation(root: string, env: NodeJS.ProcessEnv, speculation: RequestSpeculation | undefined, logger: Logger): void {
  if (!speculation) return;
  try {
    const store = AcceptanceStore.inCacheDir(workspaceCacheDir(root, env));
    store.speculation(speculation);
    store.close();
  } catch (error) {
    logger.warn(`dhi complete: speculation statistics not saved (${errorMessage(error)})`);
  }
}
