import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startRun } from "../../server/agent/runAgent.js";
import { matchesGlob } from "../../server/agent/safety/globMatch.js";
import { editPermission, namedInInstruction } from "../../server/agent/safety/protectedPaths.js";
import { toWorkspacePath } from "../../server/agent/safety/workspacePath.js";
import { toRunResult } from "../../server/lsp/agentRunResult.js";
import { testDeps } from "./helpers/agentDeps.js";
import { makeProject } from "./helpers/fixtures.js";
import { fenced, ScriptedEngine } from "./helpers/ScriptedEngine.js";

const DEFAULT_PROTECTED = [".git/**", ".env*", ".github/**", ".ci/**"];

describe("protected paths and workspace bounds", () => {
  it("matches the contract's default globs", () => {
    expect(matchesGlob(".env", ".env*")).toBe(true);
    expect(matchesGlob("config/.env.local", ".env*")).toBe(true);
    expect(matchesGlob(".git/config", ".git/**")).toBe(true);
    expect(matchesGlob(".github/workflows/ci.yml", ".github/**")).toBe(true);
    expect(matchesGlob("src/github.js", ".github/**")).toBe(false);
    expect(matchesGlob("src/a/b.ts", "src/**/*.ts")).toBe(true);
    expect(matchesGlob("src/b.ts", "src/**/*.ts")).toBe(true);
    expect(matchesGlob("src/b.js", "src/**/*.{ts,tsx}")).toBe(false);
  });

  it("unlocks a protected path only when the instruction names it", () => {
    expect(editPermission(".env", "fix the login bug", DEFAULT_PROTECTED).allowed).toBe(false);
    expect(editPermission(".env", "set DEBUG=1 in .env", DEFAULT_PROTECTED)).toEqual({ allowed: true, protected: true });
    expect(namedInInstruction(".env", "update the .envrc file")).toBe(false);
    expect(() => toWorkspacePath("/tmp/ws", "../etc/passwd")).toThrow(/outside the workspace/);
    expect(() => toWorkspacePath("/tmp/ws", "/etc/passwd")).toThrow(/outside the workspace/);
  });

  it("refuses a protected file the instruction does not name, even when search finds it", async () => {
    const root = makeProject({
      "src/config.js": "export function apiUrl() {\n  return 'http://localhost';\n}\n",
      "src/secret.js": "export function apiUrl2() {\n  return 'http://secret';\n}\n",
    });
    const engine = new ScriptedEngine((call) => {
      if (call.kind === "intent") return '{"intent":"edit"}';
      if (call.kind === "plan") return JSON.stringify({ steps: call.prompt.match(/^\d+(?=:)/gm) ?? [] });
      return fenced("export function apiUrl() {\n  return 'https://example.com';\n}");
    });
    const deps = testDeps({ root, engine, sandbox: null, agent: { protectedPaths: [...DEFAULT_PROTECTED, "src/secret.js"] } });
    const outcome = await startRun(deps, { instruction: "change apiUrl and apiUrl2 to use https" });
    expect(outcome.changes.map((c) => c.path)).not.toContain("src/secret.js");
    expect(outcome.notes.join("\n")).toMatch(/refused: src\/secret\.js matches agent\.protectedPaths/);
    expect(engine.calls.some((c) => c.kind === "generate" && c.prompt.includes("src/secret.js"))).toBe(false);
  });

  it("edits a protected path named in the instruction, annotated as protected and needing confirmation", async () => {
    const root = makeProject({ ".env": "DEBUG=0\n", "src/app.js": "export const x = 1;\n" });
    const engine = new ScriptedEngine((call) => (call.kind === "intent" ? '{"intent":"edit"}' : call.kind === "plan" ? '{"steps":["0"]}' : "```\nDEBUG=1\n```"));
    const deps = testDeps({ root, engine, sandbox: null });
    const outcome = await startRun(deps, { instruction: "set DEBUG=1 in .env" });
    expect(outcome.changes).toMatchObject([{ path: ".env", kind: "modify", after: "DEBUG=1\n", protected: true }]);
    const annotations = Object.values(toRunResult(root, outcome).edit.changeAnnotations ?? {});
    expect(annotations[0]).toMatchObject({ needsConfirmation: true });
    expect(annotations[0]?.description).toMatch(/PROTECTED PATH/);
  });

  it("refuses uris outside the workspace", async () => {
    const root = makeProject({ "src/app.js": "export function app() {\n  return 1;\n}\n" });
    const engine = new ScriptedEngine((call) => (call.kind === "intent" ? '{"intent":"edit"}' : call.kind === "plan" ? '{"steps":["0"]}' : fenced("export function app() {\n  return 2;\n}")));
    const outcome = await startRun(testDeps({ root, engine, sandbox: null }), { instruction: "make app return 2", paths: ["/etc/passwd", join(root, "src/app.js")] });
    expect(outcome.notes.join("\n")).toMatch(/"\/etc\/passwd" is outside the workspace/);
    expect(outcome.changes.map((c) => c.path)).toEqual(["src/app.js"]);
    expect(readFileSync(join(root, "src/app.js"), "utf8")).toContain("return 1");
  });
});
