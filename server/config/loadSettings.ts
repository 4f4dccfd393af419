import { isAbsolute, join, resolve } from "node:path";
import { isRefusal, readWorkspaceBytes, worthLogging } from "../util/safeFiles.js";
import { resolveSettings, type ResolvedSettings, type SettingsLayer } from "./resolveSettings.js";
import { contentHash, splitRestricted, TrustStore, untrustedNotice } from "./trust.js";

export const WORKSPACE_SETTINGS_FILE = ".dhi.json";

/** A settings file is a few hundred bytes; anything past this is a mistake or an attack. */
const SETTINGS_FILE_CAP = 1024 * 1024;

export interface WorkspaceSettingsFile {
  /** The file's settings that apply: all of them when trusted, else only the safe keys. */
  layer: SettingsLayer | null;
  /** A broken or refused file, as one line. */
  error: string | null;
  /** Restricted keys ignored because this content is not trusted (empty when trusted). */
  ignored: string[];
  /** One line naming the ignored keys and how to trust the file; null when nothing was ignored. */
  notice: string | null;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The file's bytes and parsed JSON; `error` for a refused or broken file, both null when there is none. */
function readSettingsJson(root: string): { bytes: Buffer; values: unknown } | { error: string | null } {
  const file = join(root, WORKSPACE_SETTINGS_FILE);
  // Through the safe reader: a repository's .dhi.json may link to /dev/zero or out of the workspace.
  const read = readWorkspaceBytes(root, WORKSPACE_SETTINGS_FILE, SETTINGS_FILE_CAP);
  if (isRefusal(read)) return { error: worthLogging(read) ? `${read.message}; ignoring it` : null };
  try {
    return { bytes: read.bytes, values: JSON.parse(read.bytes.toString("utf8")) as unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { error: `dhi: ${file} is not valid JSON (${reason}); ignoring it` };
  }
}

/** A repository-relative model or embedding path means the repository's folder, not the process's. */
function resolvePathsAgainst(root: string, values: Json): void {
  const relativePath = (value: unknown): value is string =>
    typeof value === "string" && value !== "" && !isAbsolute(value) && !/^(~|hf:|huggingface:|https?:)/i.test(value);
  const model = values.model;
  if (isRecord(model)) for (const key of ["path", "draftPath"]) if (relativePath(model[key])) model[key] = resolve(root, model[key] as string);
  const index = values.index;
  if (isRecord(index) && relativePath(index.embeddingModel) && index.embeddingModel.startsWith(".")) {
    index.embeddingModel = resolve(root, index.embeddingModel);
  }
}

/**
 * Reads `.dhi.json` in `root` under workspace trust: restricted keys apply only when the user trusted this exact
 * content (`dhi trust`, `dhi.workspace.trust`). A broken file becomes an error line, never an exception.
 */
export function readWorkspaceSettingsFile(root: string, env: NodeJS.ProcessEnv = process.env): WorkspaceSettingsFile {
  const file = join(root, WORKSPACE_SETTINGS_FILE);
  const read = readSettingsJson(root);
  if ("error" in read) return { layer: null, error: read.error, ignored: [], notice: null };
  if (!isRecord(read.values)) return { layer: { source: file, values: read.values }, error: null, ignored: [], notice: null };
  const hash = contentHash(read.bytes);
  if (new TrustStore(env).isTrusted(root, hash)) {
    resolvePathsAgainst(root, read.values);
    return { layer: { source: file, values: read.values }, error: null, ignored: [], notice: null };
  }
  const { safe, ignored } = splitRestricted(read.values);
  const notice = ignored.length > 0 ? untrustedNotice(file, root, ignored, hash) : null;
  return { layer: { source: file, values: safe }, error: null, ignored, notice };
}

/** Trusts the current content of `root`'s `.dhi.json`; null when there is no file. Throws on a refused or broken one. */
export function trustWorkspaceSettings(root: string, env: NodeJS.ProcessEnv = process.env): { file: string; hash: string; keys: string[] } | null {
  const read = readSettingsJson(root);
  if ("error" in read) {
    if (read.error) throw new Error(read.error);
    return null;
  }
  const hash = contentHash(read.bytes);
  new TrustStore(env).trust(root, hash);
  const keys = isRecord(read.values) ? splitRestricted(read.values).ignored : [];
  return { file: join(root, WORKSPACE_SETTINGS_FILE), hash, keys };
}

/** Settings for the CLI: `.dhi.json` in `root` (under workspace trust; the notice is a warning), then the environment. */
export function loadSettingsForDirectory(root: string, env: NodeJS.ProcessEnv = process.env): ResolvedSettings {
  const { layer, error, notice } = readWorkspaceSettingsFile(root, env);
  const resolved = resolveSettings(layer ? [layer] : [], env);
  if (error) resolved.errors.unshift(error);
  if (notice) resolved.warnings.unshift(notice);
  return resolved;
}
