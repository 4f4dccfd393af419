import { describe, it } from "vitest";
import { spawn } from "node:child_process";
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import type { CompletionItem, CompletionList, Range } from "vscode-languageserver-protocol";
import { CLI, FIM_MODEL, REPO_ROOT } from "../helpers/paths.js";

export const EDITOR_CONFIGS = resolve(REPO_ROOT, "editor-configs");
export const EDITOR_TESTS = resolve(REPO_ROOT, "test/editors");

/** The settings every editor test passes: one thread and no response budget, so generation is deterministic. */
export const TEST_SETTINGS = { model: { threads: 1 }, completion: { responseBudgetMs: 0 } } as const;

/** The absolute path of an executable on PATH, or null. */
export function findExecutable(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export type EditorAvailability = { available: true; path: string } | { available: false; reason: string };

/**
 * Whether an editor binary can be used. CI installs the editors, so there a missing binary is a failure
 * (the caller turns `reason` into a failing test); locally the tests are skipped with the reason.
 */
export function editorAvailability(binary: string, aptPackages: string): EditorAvailability {
  const path = findExecutable(binary);
  if (path) return { available: true, path };
  return {
    available: false,
    reason: `${binary} is not on PATH; install it with: apt-get install -y --no-install-recommends ${aptPackages}`,
  };
}

/**
 * Declares an editor's test suite. A missing editor fails in CI (which installs it) and is skipped, saying
 * why, elsewhere.
 */
export function describeWithEditor(title: string, editor: EditorAvailability, body: () => void): void {
  if (editor.available) {
    describe(title, body);
    return;
  }
  describe(title, () => {
    if (process.env.CI) it("has the editor installed in CI", () => {
      throw new Error(editor.reason);
    });
    else it.skip(`skipped: ${editor.reason}`, () => undefined);
  });
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -p .\` (or \`npm test\`, which builds) first`);
  if (!existsSync(FIM_MODEL)) throw new Error(`the test model ${FIM_MODEL} is missing`);
}

let shimDir: string | null = null;

/**
 * The folder whose `dhi` the editors start from PATH, as a user's editor does. In CI that is the packed and
 * globally installed package (DHI_INSTALLED_BIN, set by .ci/run); elsewhere, unless that variable is set, a
 * `dhi` shim that runs this checkout's dist/cli.js.
 */
export function dhiBinDir(): string {
  const installed = process.env.DHI_INSTALLED_BIN;
  if (installed) {
    if (!existsSync(installed)) throw new Error(`DHI_INSTALLED_BIN=${installed} does not exist`);
    return dirname(installed);
  }
  if (process.env.CI) throw new Error("DHI_INSTALLED_BIN is not set: in CI the editors must start the installed dhi (.ci/run installs it)");
  if (!shimDir) {
    shimDir = mkdtempSync(join(tmpdir(), "dhi-bin-"));
    writeFileSync(join(shimDir, "dhi"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(shimDir, "dhi"), 0o755);
  }
  return shimDir;
}

/** PATH without any folder that holds a `dhi`: what a user who has not installed dhi has. */
export function pathWithoutDhi(): string {
  return (process.env.PATH ?? "").split(delimiter).filter((dir) => dir && !existsSync(join(dir, "dhi"))).join(delimiter);
}

/** A throwaway workspace with the given files; `.dhi.json` marks the root for every editor. */
export function makeWorkspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "dhi-editor-"));
  writeFileSync(join(root, ".dhi.json"), "{}\n");
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return root;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** Runs a command in its own process group; on timeout the whole group (editor and server) is killed. */
export function runProcess(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number },
): Promise<ProcessResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      }
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/**
 * Environment for an editor child: `dhi` on PATH (dhiBinDir), the test model, an isolated cache, and no
 * inherited dhi overrides.
 */
export function editorEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("DHI_") || key.startsWith("XDG_")) delete env[key];
  return {
    ...env,
    PATH: `${dhiBinDir()}${delimiter}${pathWithoutDhi()}`,
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_STATE_HOME: join(home, "state"),
    XDG_DATA_HOME: join(home, "data"),
    DHI_CACHE_DIR: join(home, "dhi-cache"),
    DHI_MODEL: FIM_MODEL,
    DHI_LOG_LEVEL: "debug",
    ...extra,
  };
}

export function readJson<T>(path: string, what: string, run: ProcessResult, diagnostics = ""): T {
  if (!existsSync(path)) {
    throw new Error(
      `${what} wrote no result (exit ${String(run.code)}, timed out: ${String(run.timedOut)})\n` +
        `stderr:\n${run.stderr.slice(-3000)}\nstdout:\n${run.stdout.slice(-2000)}${diagnostics}`,
    );
  }
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** The last part of a log file, for failure messages. */
export function tail(path: string, chars = 3000): string {
  return existsSync(path) ? `\n--- ${path} ---\n${readFileSync(path, "utf8").slice(-chars)}` : "";
}

export function isCompletionList(value: unknown): value is CompletionList {
  return typeof value === "object" && value !== null && Array.isArray((value as CompletionList).items);
}

/** The one dhi item of a completion answer (CompletionList or CompletionItem[]). */
export function dhiItem(value: unknown): CompletionItem | undefined {
  const items: CompletionItem[] = isCompletionList(value) ? value.items : Array.isArray(value) ? (value as CompletionItem[]) : [];
  return items.find((item) => item.detail === "dhi" || item.command?.command === "dhi.completion.accepted");
}

export function editRange(item: CompletionItem): Range {
  const edit = item.textEdit;
  if (!edit) throw new Error(`the dhi item has no textEdit: ${JSON.stringify(item)}`);
  return "range" in edit ? edit.range : edit.replace;
}

/**
 * The Python file both editors open. The tiny test model has nothing to say at some spots, so the drivers try
 * these cursor positions (0-based, each right after a space) in order and keep the first that yields an item.
 */
export const PYTHON_FIXTURE = [
  "class Calculator:",
  "    def add(self, a, b):",
  "        return ",
  "",
  "    def scale(self, value, factor):",
  "        result = ",
  "        return result",
  "",
  "",
  "def main():",
  "    calc = Calculator()",
  "    print(calc.add(1, 2))",
  "",
].join("\n");
export const PYTHON_CURSORS = [
  { line: 2, character: 15 },
  { line: 5, character: 17 },
] as const;

/**
 * Runs batch Emacs (`emacs --batch -Q -l …loads`) in a fresh workspace holding the Python fixture, with the
 * driver's environment (output file, fixture file, cursors, an agent instruction) plus `extra`, and returns
 * what the driver wrote.
 */
export async function runEmacsDriver<T extends { error?: string }>(
  emacs: EditorAvailability,
  what: string,
  loads: readonly string[],
  extra: Record<string, string> = {},
): Promise<{ out: T; run: ProcessResult }> {
  const home = mkdtempSync(join(tmpdir(), "dhi-emacs-home-"));
  const root = makeWorkspace({ "src/calc.py": PYTHON_FIXTURE });
  const outPath = join(home, "out.json");
  const run = await runProcess(emacs.available ? emacs.path : "emacs", ["--batch", "-Q", ...loads.flatMap((file) => ["-l", file])], {
    cwd: root,
    timeoutMs: 150_000,
    env: editorEnv(home, {
      DHI_TEST_OUT: outPath,
      DHI_TEST_FILE: join(root, "src/calc.py"),
      DHI_TEST_POSITIONS: PYTHON_CURSORS.map((p) => `${p.line}:${p.character}`).join(","),
      DHI_TEST_AGENT: "fix the bug in add",
      DHI_SANDBOX: "none",
      ...extra,
    }),
  });
  const out = readJson<T>(outPath, what, run);
  if (out.error) throw new Error(`${what} driver failed: ${out.error}\nstderr:\n${run.stderr.slice(-3000)}`);
  return { out, run };
}
