import { z } from "zod";
import { languageOf } from "../../syntax/index.js";
import { askJson } from "../model/askJson.js";
import { DATA_RULES } from "../prompts/dataBlock.js";
import { editPermission } from "../safety/protectedPaths.js";
import { toWorkspacePath } from "../safety/workspacePath.js";
import { importsOf } from "../tools/findReferences.js";
import { listFiles } from "../tools/listFiles.js";
import { localImports, pathsInInstruction } from "../tools/projectFiles.js";
import { readWorkspaceFile } from "../tools/readFile.js";
import type { PlanStep, Target } from "../types.js";
import type { StateContext, StateHandler } from "./StateContext.js";

const MAX_STEPS = 4;

const overlaps = (a: Target, b: Target) => a.path === b.path && a.startLine <= b.endLine && b.startLine <= a.endLine;

/** The harness's own proposal: the best-scoring, non-overlapping targets. */
export function proposeTargets(targets: readonly Target[], intent: string | null): Target[] {
  const best = targets[0]?.score ?? 0;
  const limit = intent === "fix" ? 3 : MAX_STEPS;
  const chosen: Target[] = [];
  for (const t of targets) {
    if (chosen.length >= limit) break;
    if (intent === "fix" && t.score < best * 0.5) continue;
    if (!chosen.some((c) => overlaps(c, t))) chosen.push(t);
  }
  return chosen;
}

/** Orders steps so a file's dependencies are edited before the files that import them. */
async function dependencyOrder(context: StateContext, steps: PlanStep[]): Promise<PlanStep[]> {
  const { deps } = context;
  const paths = [...new Set(steps.map((s) => s.target.path))];
  const fileSet = new Set(await listFiles(deps.root, { signal: deps.signal }));
  const importMap = new Map<string, string[]>();
  for (const path of paths) {
    const text = (await readWorkspaceFile(deps.root, path)) ?? "";
    const imports = deps.index ? importsOf(deps.index, path) : localImports(path, text, fileSet);
    importMap.set(path, imports.filter((p) => paths.includes(p)));
  }
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (path: string) => {
    if (order.includes(path) || visiting.has(path)) return; // A cycle keeps its first-seen order.
    visiting.add(path);
    for (const dep of importMap.get(path) ?? []) visit(dep);
    visiting.delete(path);
    order.push(path);
  };
  for (const path of paths) visit(path);
  return [...steps].sort((a, b) => order.indexOf(a.target.path) - order.indexOf(b.target.path) || a.target.startLine - b.target.startLine);
}

/** Resource steps the instruction asks for in so many words: delete a named file, create a named new one. */
async function resourceSteps(context: StateContext): Promise<Target[][]> {
  const { deps, snapshot } = context;
  const { instruction } = snapshot.request;
  const creates: Target[] = [];
  const deletes: Target[] = [];
  for (const raw of pathsInInstruction(instruction)) {
    let path: string;
    try {
      path = toWorkspacePath(deps.root, raw);
    } catch {
      snapshot.notes.push(`refused: "${raw}" is outside the workspace`);
      continue;
    }
    const exists = (await readWorkspaceFile(deps.root, path)) !== null;
    const escaped = raw.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (exists && new RegExp(`\\b(delete|remove)\\s+(the\\s+)?(file\\s+)?[\`"']?${escaped}`, "i").test(instruction)) {
      deletes.push({ path, symbol: null, startLine: 1, endLine: 1, reason: "instruction", score: 10 });
    } else if (!exists && languageOf(path) !== null && /\b(add|create|write|new|generate)\b/i.test(instruction)) {
      creates.push({ path, symbol: null, startLine: 1, endLine: 1, reason: "instruction", score: 10 });
    }
  }
  return [creates, deletes];
}

const ChoiceSchema = z.object({ steps: z.array(z.string()).min(1) });

/** PLAN: single-symbol edits ordered by dependency; the model confirms or adjusts the choice by constrained JSON. */
export const plan: StateHandler = async (context) => {
  const { deps, snapshot } = context;
  const { instruction } = snapshot.request;
  const [creates, deletes] = await resourceSteps(context);
  const deleted = new Set(deletes.map((d) => d.path));
  const targets = snapshot.targets.filter((t) => !deleted.has(t.path));
  const proposed = proposeTargets(targets, snapshot.intent);

  let chosen = proposed;
  if (targets.length > 1) {
    const ids = targets.map((_, i) => String(i));
    const listing = targets.map((t, i) => `${i}: ${t.path}:${t.startLine}-${t.endLine} ${t.symbol ?? "(whole file)"}${proposed.includes(t) ? "  [proposed]" : ""}`).join("\n");
    const { value, fromModel } = await askJson({
      engine: deps.engine,
      messages: [
        { role: "system", text: `You choose which code locations must change to carry out an instruction. ${DATA_RULES}` },
        { role: "user", text: `Instruction: ${instruction}\n\nCandidate locations:\n${listing}\n\nAnswer as JSON {"steps": [ids of the locations to change, in order]}. Keep the proposed ones unless one is clearly unrelated.` },
      ],
      jsonSchema: { type: "object", properties: { steps: { type: "array", items: { enum: ids }, minItems: 1, maxItems: MAX_STEPS } }, required: ["steps"] },
      validate: ChoiceSchema,
      fallback: { steps: proposed.map((t) => String(targets.indexOf(t))) },
      maxTokens: 48,
      signal: deps.signal,
      logger: deps.logger,
    });
    const picked: Target[] = [];
    for (const id of value.steps) {
      const t = targets[Number(id)];
      if (t && !picked.some((p) => overlaps(p, t))) picked.push(t);
    }
    if (picked.length > 0) chosen = picked.slice(0, MAX_STEPS);
    if (fromModel && picked.length > 0) snapshot.notes.push(`plan confirmed by the model: ${picked.map((t) => `${t.path}#${t.symbol ?? "file"}`).join(", ")}`);
  }

  let id = 0;
  const steps: PlanStep[] = [];
  for (const target of deletes) steps.push({ id: id++, kind: "delete", target, goal: `Delete ${target.path}` });
  for (const target of creates) steps.push({ id: id++, kind: "create", target, goal: `Create ${target.path} for: ${instruction}` });
  for (const target of chosen) {
    steps.push({ id: id++, kind: "modify", target, goal: `Change ${target.symbol ?? target.path} as needed for: ${instruction}` });
  }
  // Defence in depth: nothing reaches GENERATE without passing the gate again.
  const allowed = steps.filter((s) => {
    const permission = editPermission(s.target.path, instruction, deps.settings.protectedPaths);
    if (!permission.allowed) snapshot.notes.push(`refused: ${permission.reason}`);
    return permission.allowed;
  });
  snapshot.plan = await dependencyOrder(context, allowed);
  if (snapshot.plan.length === 0) {
    snapshot.notes.push("found nothing to edit for this instruction");
    return "COMPLETE";
  }
  return "GENERATE";
};
