import type { Candidate, FileChange, PlanStep } from "../types.js";
import { createFile, deleteFile, writeFile, type ChangeGate } from "./changeFiles.js";
import { readWorkspaceText } from "./readFile.js";

/** Replaces lines [startLine, endLine] (1-based, inclusive) of `text` with `replacement`. */
export function spliceLines(text: string, startLine: number, endLine: number, replacement: string): string {
  const lines = text.split("\n");
  const body = replacement.replace(/\n+$/, "").split("\n");
  lines.splice(startLine - 1, endLine - startLine + 1, ...body);
  return lines.join("\n");
}

export interface Choice {
  step: PlanStep;
  /** null for delete steps. */
  candidate: Candidate | null;
}

export type Composed = { changes: FileChange[]; refused: string[] };

/**
 * Turns one candidate per step into whole-file changes. Edits in one file are applied bottom-up so earlier
 * line numbers stay valid. Every file goes through the change gate (workspace + protected paths).
 */
export async function composeChanges(root: string, gate: ChangeGate, choices: readonly Choice[]): Promise<Composed> {
  const byPath = new Map<string, Choice[]>();
  for (const choice of choices) byPath.set(choice.step.target.path, [...(byPath.get(choice.step.target.path) ?? []), choice]);
  const changes: FileChange[] = [];
  const refused: string[] = [];
  for (const [path, list] of byPath) {
    const current = await readWorkspaceText(root, path);
    const before = current?.text ?? null;
    const deletion = list.find((c) => c.step.kind === "delete");
    const creation = list.find((c) => c.step.kind === "create");
    let result;
    if (deletion) {
      if (before === null) continue;
      result = deleteFile(gate, path, before);
    } else if (creation) {
      result = createFile(gate, path, ensureNewline(creation.candidate?.text ?? ""));
    } else {
      if (before === null) continue;
      let after = before;
      const edits = list.filter((c) => c.candidate).sort((a, b) => b.step.target.startLine - a.step.target.startLine);
      for (const { step, candidate } of edits) after = spliceLines(after, step.target.startLine, step.target.endLine, (candidate as Candidate).text);
      if (after === before) continue;
      result = writeFile(gate, path, before, after);
    }
    // The version pins the edit to the text it was computed from: an editor refuses it once the user typed on.
    if (result.ok) changes.push({ ...result.change, version: current?.version ?? null });
    else refused.push(result.reason);
  }
  return { changes, refused };
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
