import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { cacheFileName, DEFAULT_DRAFT_MODEL_URI, DEFAULT_MODEL_URI } from "../../inference/defaultModels.js";
import { downloadErrorMessage } from "../../inference/downloadErrors.js";
import { expandPath, isRemoteModelUri } from "../../inference/modelSource.js";
import { anySignal } from "../../util/abort.js";
import { modelCacheDir } from "../../util/paths.js";
import { parseCliArgs, UsageError, type CliIO } from "../args.js";

export { downloadErrorMessage };

// `dhi models pull [--model NAME] [--draft-model NAME]`: downloads GGUFs into the model cache with
// node-llama-cpp's downloader (hf: URIs, https URLs, split files), a progress bar on stderr, and one
// clear line when the network is unreachable. `dhi models list` shows what is cached.

const USAGE = "usage: dhi models pull [--model NAME] [--draft-model NAME] [--no-draft] [--no-embedding] | dhi models list";

export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "list") return list(io);
  if (sub !== "pull") throw new UsageError(`dhi: ${USAGE}`);
  const { values } = parseCliArgs(rest, {
    model: { type: "string" },
    "draft-model": { type: "string" },
    "no-draft": { type: "boolean" },
    "no-embedding": { type: "boolean" },
  }, false);
  const targets = [values.model ?? DEFAULT_MODEL_URI];
  if (!values["no-draft"]) targets.push(values["draft-model"] ?? DEFAULT_DRAFT_MODEL_URI);
  const dir = modelCacheDir(io.env);
  const saved: string[] = [];
  for (const uri of targets) {
    if (!isRemoteModelUri(uri)) {
      const local = expandPath(uri, io.cwd);
      if (!existsSync(local)) throw new UsageError(`dhi: "${uri}" is neither an hf:/https: model URI nor an existing file`);
      io.stderr(`dhi: ${local} is a local file; nothing to download\n`);
      saved.push(local);
      continue;
    }
    const path = await pull(uri, dir, io);
    if (path === null) return 1;
    saved.push(path);
  }
  const [model, draft] = saved;
  io.stdout(`model: ${model}\n${draft ? `draft model: ${draft}\n` : ""}`);
  if (!values["no-embedding"]) {
    const { pullEmbeddingModel } = await import("../pullEmbeddingModel.js");
    const embedding = await pullEmbeddingModel(io);
    if (embedding === null) return 1;
    io.stdout(`embedding model: ${embedding}\n`);
  }
  if (values.model) io.stderr(`dhi: set "model.path" (or DHI_MODEL) to ${model} to use it\n`);
  return 0;
}

/** Time without download progress before giving up. */
const STALL_MS = 60_000;

/**
 * Downloads one model into the cache and returns its path, or null after printing why it failed.
 * A known file name is downloaded under a temporary name and renamed when complete, so an interrupted
 * pull (Ctrl-C, a dropped connection) never leaves a file that looks like a finished model.
 */
export async function pull(uri: string, dir: string, io: CliIO, signal?: AbortSignal): Promise<string | null> {
  const knownName = uri === DEFAULT_MODEL_URI || uri === DEFAULT_DRAFT_MODEL_URI ? cacheFileName(uri) : null;
  if (knownName && existsSync(join(dir, knownName))) {
    io.stderr(`dhi: ${knownName} is already in ${dir}\n`);
    return join(dir, knownName);
  }
  const partial = knownName ? `${knownName}.partial` : null;
  const { createModelDownloader } = await import("node-llama-cpp");
  const huggingFace = io.env.HF_ENDPOINT ?? io.env.MODEL_ENDPOINT ?? process.env.HF_ENDPOINT ?? process.env.MODEL_ENDPOINT ?? "https://huggingface.co/";
  const bar = new ProgressBar(io, basename(cacheFileName(uri)) || uri);
  const stall = new AbortController();
  const abort = anySignal([signal, stall.signal]);
  let timer: NodeJS.Timeout | undefined;
  const watchdog = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), STALL_MS);
  };
  try {
    // The downloader retries a dead host for minutes; a quick probe turns "offline" into one line now.
    await probe(uri.startsWith("hf:") || uri.startsWith("huggingface:") ? huggingFace : uri);
    watchdog();
    const downloader = await createModelDownloader({
      modelUri: uri,
      dirPath: dir,
      ...(partial ? { fileName: partial } : {}),
      showCliProgress: false,
      skipExisting: false,
      endpoints: { huggingFace },
      onProgress: ({ totalSize, downloadedSize }) => {
        watchdog();
        bar.update(downloadedSize, totalSize);
      },
    });
    const path = await downloader.download({ signal: abort });
    bar.done();
    if (!knownName) return path;
    renameSync(path, join(dir, knownName));
    return join(dir, knownName);
  } catch (error) {
    bar.abandon();
    // The downloader keeps its own resume file beside ours (`<name>.ipull`): none of it may stay.
    if (partial) for (const f of existsSync(dir) ? readdirSync(dir) : []) if (f.startsWith(partial)) rmSync(join(dir, f), { force: true });
    if (signal?.aborted) {
      io.stderr(`dhi: download of ${uri} interrupted; nothing was kept\n`);
      return null;
    }
    const reason = stall.signal.aborted ? Object.assign(new Error(`no progress for ${STALL_MS / 1000} s`), { code: "ETIMEDOUT" }) : error;
    io.stderr(`${downloadErrorMessage(uri, reason)}\n`);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Any HTTP answer from the host's origin means it is reachable; a network error means it is not. */
async function probe(url: string): Promise<void> {
  const origin = new URL(url).origin;
  await fetch(origin, { method: "HEAD", signal: AbortSignal.timeout(15_000), redirect: "manual" }).then(
    (res) => res.body?.cancel(),
    (error: unknown) => {
      throw error instanceof Error && error.name === "TimeoutError" ? Object.assign(new Error("timed out"), { code: "ETIMEDOUT" }) : error;
    },
  );
}

function list(io: CliIO): number {
  const dir = modelCacheDir(io.env);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".gguf")) : [];
  if (files.length === 0) {
    io.stderr(`dhi: no models in ${dir}; run \`dhi models pull\`\n`);
    return 0;
  }
  for (const f of files) io.stdout(`${join(dir, f)}\t${formatBytes(statSync(join(dir, f)).size)}\n`);
  return 0;
}

/** A one-line progress bar on stderr, redrawn at most 10 times a second. */
export class ProgressBar {
  private last = 0;
  private drawn = false;
  constructor(
    private readonly io: CliIO,
    private readonly label: string,
  ) {}

  update(done: number, total: number): void {
    const now = Date.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    this.io.stderr(`\r${this.label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}% ${formatBytes(done)}/${formatBytes(total)}`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.io.stderr("\n");
  }

  abandon(): void {
    if (this.drawn) this.io.stderr("\n");
  }
}

function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  return `${(n / 1024).toFixed(0)} kB`;
}
