import { matchesGlob } from "./globMatch.js";

/** Whether `path` matches one of the `agent.protectedPaths` globs. */
export function isProtected(path: string, globs: readonly string[]): boolean {
  return globs.some((glob) => matchesGlob(path, glob));
}

/**
 * Whether the user's instruction names this path explicitly (its full relative path, or its base name
 * as a whole word). Only the instruction counts: file contents never unlock a protected path.
 */
export function namedInInstruction(path: string, instruction: string): boolean {
  const text = instruction.replace(/\\/g, "/");
  const base = path.slice(path.lastIndexOf("/") + 1);
  return [path, `./${path}`, base].some((name) => name.length >= 2 && wordMatch(text, name));
}

/** `name` occurs in `text` delimited like a word (so `.env` is not found inside `.envrc`). */
function wordMatch(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[\\s"'\`(/])${escaped}($|[\\s"'\`),:;!?]|\\.(\\s|$))`).test(text);
}

export type EditPermission = { allowed: true; protected: boolean } | { allowed: false; reason: string };

/** The single gate every edit passes: protected paths need the instruction to name them. */
export function editPermission(path: string, instruction: string, globs: readonly string[]): EditPermission {
  if (!isProtected(path, globs)) return { allowed: true, protected: false };
  if (namedInInstruction(path, instruction)) return { allowed: true, protected: true };
  return { allowed: false, reason: `${path} matches agent.protectedPaths and the instruction does not name it` };
}
