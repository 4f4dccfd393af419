import { createHash } from "node:crypto";
import { mkdirSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { cacheRoot } from "../util/paths.js";
import { isRefusal, readBoundedFile } from "../util/safeFiles.js";

// Workspace trust, in the spirit of VS Code's restricted mode and Neovim's `vim.secure`: a repository's
// `.dhi.json` may only tune harmless things until the user trusts that exact content. Keys that choose where code
// goes (backend), what runs in this process (model), how tests run (sandbox), what the agent may touch, or how
// much is read are restricted. The records live in the user's cache folder, never in the workspace.

/** Restricted settings, as dotted prefixes: the key itself and everything below it. */
export const RESTRICTED_KEYS: readonly string[] = [
  "backend",
  "model",
  "sandbox",
  "agent.protectedPaths",
  "index.maxFileBytes",
  // Names a model folder or id that would be loaded (or fetched).
  "index.embeddingModel",
];

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function restricted(path: string): boolean {
  return RESTRICTED_KEYS.some((key) => path === key || path.startsWith(`${key}.`));
}

/**
 * Splits a `.dhi.json` object into what applies without trust and the restricted keys it holds (dotted paths,
 * sorted). Keys under a restricted prefix are listed one by one so the message names exactly what is ignored.
 */
export function splitRestricted(values: Json, prefix = ""): { safe: Json; ignored: string[] } {
  const safe: Json = {};
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (restricted(path)) {
      if (isRecord(value) && Object.keys(value).length > 0) ignored.push(...Object.keys(value).map((k) => `${path}.${k}`));
      else ignored.push(path);
    } else if (isRecord(value)) {
      const inner = splitRestricted(value, path);
      safe[key] = inner.safe;
      ignored.push(...inner.ignored);
    } else safe[key] = value;
  }
  return { safe, ignored: prefix ? ignored : ignored.sort() };
}

export function contentHash(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The folder's identity in the trust records: its real path, so a link to it is the same folder. */
function folderKey(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    return resolve(folder);
  }
}

interface TrustRecords {
  version: 1;
  /** Real folder path → sha256 of the `.dhi.json` content the user trusted there. */
  folders: Record<string, string>;
}

const RECORDS_CAP = 16 * 1024 * 1024;

/** The user's trust decisions, one content hash per workspace folder (multi-root: each folder on its own). */
export class TrustStore {
  readonly file: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.file = join(cacheRoot(env), "trust.json");
  }

  private load(): TrustRecords {
    const read = readBoundedFile(this.file, RECORDS_CAP);
    if (isRefusal(read)) return { version: 1, folders: {} };
    try {
      const data = JSON.parse(read.bytes.toString("utf8")) as Partial<TrustRecords>;
      return { version: 1, folders: isRecord(data.folders) ? (data.folders as Record<string, string>) : {} };
    } catch {
      return { version: 1, folders: {} };
    }
  }

  isTrusted(folder: string, hash: string): boolean {
    return this.load().folders[folderKey(folder)] === hash;
  }

  /** Records `hash` as trusted for `folder` (replacing an older one); written atomically. */
  trust(folder: string, hash: string): void {
    const records = this.load();
    records.folders[folderKey(folder)] = hash;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(records, null, 1)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/** One line telling the user which keys were ignored and how to trust the file. */
export function untrustedNotice(file: string, folder: string, ignored: readonly string[], hash: string): string {
  return `dhi: ${file} (sha256 ${hash.slice(0, 12)}) is not trusted, so its settings ${ignored.join(", ")} are ignored; ` +
    `to apply them, run \`dhi trust ${folder}\` or the editor command dhi.workspace.trust (a changed file needs trusting again)`;
}
