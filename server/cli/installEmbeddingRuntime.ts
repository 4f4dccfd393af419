import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { EMBEDDING_RUNTIME, embeddingRuntimeDir, installedEmbeddingRuntime, resolveEmbeddingRuntime } from "../index/embeddingRuntime.js";
import type { CliIO } from "./args.js";

// `dhi setup`'s embedding-runtime step: npm installs transformers.js into the cache with every install script
// off. Nothing a CPU needs comes from a script (onnxruntime-node's only download is CUDA libraries; sharp's
// prebuilt binary is an npm package of its own), so only the npm registry must be reachable. npm writes into
// a temporary folder that is renamed into place when complete: Ctrl-C leaves no half-installed runtime.

const PARTIAL = ".partial-";

/** The runtime's entry file, installed now or found; null after printing why it could not be installed. */
export async function installEmbeddingRuntime(io: CliIO, signal?: AbortSignal): Promise<string | null> {
  const found = resolveEmbeddingRuntime(io.env);
  if (found) {
    io.stderr(`dhi: the embedding runtime is already installed (${found})\n`);
    return found;
  }
  return installIntoCache(io, signal);
}

/** Installs the pinned runtime into embeddingRuntimeDir, replacing what is there; its entry file, or null. */
export async function installIntoCache(io: CliIO, signal?: AbortSignal): Promise<string | null> {
  const target = embeddingRuntimeDir(io.env);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  removeStalePartials(parent, basename(target));
  const partial = `${target}${PARTIAL}${process.pid}`;
  const spec = `${EMBEDDING_RUNTIME.name}@${EMBEDDING_RUNTIME.version}`;
  io.stderr(`dhi: installing ${spec} with npm (from the npm registry, no install scripts) → ${target}\n`);
  try {
    const result = await runNpm(["install", "--prefix", partial, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev", "--fetch-retries=1", spec], io, signal);
    if (result.code !== 0) {
      if (!signal?.aborted) io.stderr(`dhi: could not install the embedding runtime (${result.why}); search works without vectors. Run \`dhi setup\` again when the npm registry is reachable.\n`);
      return null;
    }
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(partial, target);
  } finally {
    // Retries cover a file system still settling after npm's exit (ENOTEMPTY, EBUSY).
    rmSync(partial, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
  const installed = installedEmbeddingRuntime(io.env);
  if (!installed) io.stderr(`dhi: npm finished but ${EMBEDDING_RUNTIME.name} is not in ${target}\n`);
  return installed;
}

/** Folders a killed earlier run left behind (named `<version>.partial-<pid>`). */
function removeStalePartials(parent: string, name: string): void {
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(`${name}${PARTIAL}`)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

/** npm as the user runs it: the one beside this Node (nvm, Homebrew, official tarballs), else from PATH. */
function npmCommand(): string {
  const beside = join(dirname(process.execPath), process.platform === "win32" ? "npm.cmd" : "npm");
  if (existsSync(beside)) return beside;
  return process.platform === "win32" ? "npm.cmd" : "npm";
}

async function runNpm(args: string[], io: CliIO, signal?: AbortSignal): Promise<{ code: number; why: string }> {
  // An outer `npm run` exports its own configuration; a global flag from it would install into the wrong place.
  const env: NodeJS.ProcessEnv = { ...process.env, ...io.env, ONNXRUNTIME_NODE_INSTALL: "skip" };
  for (const key of ["npm_config_global", "npm_config_location", "npm_config_prefix"]) delete env[key];
  return runUntilExit(npmCommand(), args, env, io, signal);
}

/**
 * Runs a command, forwarding its output; resolves only once it has exited. An abort kills it at once: npm's own
 * rollback on SIGTERM waits for its sockets to drain (seconds), and the folder it wrote to is the caller's to
 * remove, which it may do only after npm has exited (removing it under a live npm failed with ENOTEMPTY).
 */
export async function runUntilExit(command: string, args: string[], env: NodeJS.ProcessEnv, io: Pick<CliIO, "stderr">, signal?: AbortSignal): Promise<{ code: number; why: string }> {
  return new Promise((resolve) => {
    let lastLine = "";
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"], signal, killSignal: "SIGKILL", shell: process.platform === "win32" });
    const forward = (data: Buffer): void => {
      const text = data.toString();
      io.stderr(text);
      const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
      if (lines.length > 0) lastLine = lines[lines.length - 1] ?? lastLine;
    };
    child.stdout.on("data", forward);
    child.stderr.on("data", forward);
    // The abort's error comes before the exit; `close` follows it, and a failed start, too.
    child.on("error", (error) => {
      if (!signal?.aborted) resolve({ code: 1, why: `${basename(command)} could not start: ${error.message}` });
    });
    child.on("close", (status) => resolve({ code: status ?? 1, why: `${basename(command)} exit ${status ?? "killed"}${lastLine ? `: ${lastLine}` : ""}` }));
  });
}
