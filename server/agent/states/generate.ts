import type { InferenceEngine } from "../../inference/types.js";
import { languageOf } from "../../syntax/index.js";
import { isAbortError } from "../../util/abort.js";
import { errorMessage } from "../../util/logger.js";
import { extractCode } from "../../text/fences.js";
import { generatePrompt, matchIndentation } from "../prompts/generatePrompt.js";
import { outline } from "../symbols/outline.js";
import { syntaxDiagnostics } from "../tools/diagnostics.js";
import { findReferences } from "../tools/findReferences.js";
import { spliceLines } from "../tools/composeChanges.js";
import { readWorkspaceFile } from "../tools/readFile.js";
import type { Candidate, PlanStep } from "../types.js";
import type { StateContext, StateHandler } from "./StateContext.js";

/** Uses of the symbol, one line each, from the symbol graph. */
async function referenceLines(context: StateContext, step: PlanStep): Promise<string[]> {
  const { deps } = context;
  if (!step.target.symbol) return [];
  const out: string[] = [];
  for (const ref of findReferences(deps.index, step.target.symbol).slice(0, 6)) {
    if (ref.path === step.target.path && ref.line >= step.target.startLine && ref.line <= step.target.endLine) continue;
    const text = (await readWorkspaceFile(deps.root, ref.path))?.split("\n")[ref.line - 1]?.trim() ?? "";
    out.push(`${ref.path}:${ref.line}: ${text}`);
  }
  return out;
}

/** Few-shot material: similar code elsewhere in the project (index), else a sibling symbol in the same file. */
async function examples(context: StateContext, step: PlanStep, fileText: string): Promise<Array<{ path: string; text: string }>> {
  const { deps } = context;
  if (deps.index && step.target.symbol) {
    try {
      const hits = await deps.index.search(step.target.symbol, { k: 4, signal: deps.signal });
      const other = hits.find((h) => h.chunk.path !== step.target.path && h.chunk.text.length < 1500);
      if (other) return [{ path: other.chunk.path, text: other.chunk.text }];
    } catch (error) {
      if (isAbortError(error)) throw error;
    }
  }
  const lines = fileText.split("\n");
  const sibling = outline(step.target.path, fileText)
    .filter((s) => s.name !== step.target.symbol && s.endLine - s.startLine < 30)
    .sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine))[0];
  return sibling ? [{ path: step.target.path, text: lines.slice(sibling.startLine - 1, sibling.endLine).join("\n") }] : [];
}

/** Scores a candidate by parsing the file it would produce. */
function judge(step: PlanStep, fileText: string, code: string, origin: string): Candidate {
  if (code.trim() === "") return { text: code, parsed: false, syntaxErrors: ["the reply contained no code"], origin };
  const after = step.kind === "create" ? code : spliceLines(fileText, step.target.startLine, step.target.endLine, code);
  const errors = syntaxDiagnostics(step.target.path, after);
  const baseline = step.kind === "create" ? 0 : syntaxDiagnostics(step.target.path, fileText).length;
  return { text: code, parsed: errors.length === 0 || errors.length <= baseline, syntaxErrors: errors.slice(0, 5), origin };
}

async function candidatesFor(context: StateContext, engine: InferenceEngine, contextSize: number, step: PlanStep): Promise<Candidate[]> {
  const { deps, snapshot } = context;
  const fileText = step.kind === "create" ? "" : ((await readWorkspaceFile(deps.root, step.target.path)) ?? "");
  const code = step.kind === "create" ? "" : fileText.split("\n").slice(step.target.startLine - 1, step.target.endLine).join("\n");
  const maxTokens = Math.round(Math.min(Math.max(96, (code.length / 3) * 1.5 + 48), 1024, contextSize / 2));
  const previous = snapshot.attempts.at(-1)?.changes.find((c) => c.path === step.target.path);
  const lastCandidate = snapshot.candidates[step.id]?.[0]?.text ?? null;
  const messages = generatePrompt({
    instruction: snapshot.request.instruction,
    step,
    language: languageOf(step.target.path),
    code,
    references: await referenceLines(context, step),
    examples: await examples(context, step, fileText),
    feedback: snapshot.feedback,
    previous: previous ? lastCandidate : null,
    budgetChars: Math.max(600, (contextSize - maxTokens) * 3),
  });
  const out: Candidate[] = [];
  const n = deps.settings.candidates;
  for (let i = 0; i < n; i++) {
    // Candidate 0 is greedy; the others sample, so best-of-N has real alternatives to pick from.
    const temperature = i === 0 ? 0 : Math.min(1, 0.3 + 0.25 * i);
    const seed = 1 + i + snapshot.iteration * 101;
    const origin = `iteration ${snapshot.iteration + 1}, t=${temperature.toFixed(2)}, seed=${seed}`;
    try {
      const result = await engine.complete({ messages, maxTokens, temperature, seed, inputGrounded: true, signal: deps.signal });
      const extracted = extractCode(result.text)?.code ?? "";
      const codeOut = step.kind === "create" ? extracted : matchIndentation(extracted, code);
      if (out.some((c) => c.text === codeOut)) continue;
      out.push(judge(step, fileText, codeOut, codeOut.trim() === code.trim() ? `${origin}, unchanged` : origin));
    } catch (error) {
      if (isAbortError(error) || deps.signal?.aborted) throw error;
      out.push({ text: "", parsed: false, syntaxErrors: [`generation failed: ${errorMessage(error)}`], origin });
    }
  }
  // Best first: parses, changes something, then generation order (greedy first).
  const rank = (c: Candidate) => (c.parsed ? 0 : 2) + (c.origin.endsWith("unchanged") ? 1 : 0);
  return out.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i).map(({ c }) => c);
}

/** GENERATE: N candidates per edit step from focused prompts (best-of-N is decided by VERIFY). */
export const generate: StateHandler = async (context) => {
  const { deps, snapshot } = context;
  if (snapshot.plan.every((s) => s.kind === "delete")) return "VERIFY";
  if (!deps.engine) {
    snapshot.notes.push("no model is configured (model.path / DHI_MODEL), so the agent cannot generate changes");
    return "COMPLETE";
  }
  let contextSize: number;
  try {
    contextSize = (await deps.engine.load({ signal: deps.signal })).contextSize;
  } catch (error) {
    if (isAbortError(error) || deps.signal?.aborted) throw error;
    snapshot.notes.push(`the model could not be loaded: ${errorMessage(error)}`);
    return "COMPLETE";
  }
  const candidates: Record<number, Candidate[]> = {};
  for (const step of snapshot.plan) {
    if (step.kind === "delete") continue;
    deps.onProgress?.({ message: `dhi agent: GENERATE — ${step.target.path}${step.target.symbol ? `#${step.target.symbol}` : ""}` });
    candidates[step.id] = await candidatesFor(context, deps.engine, contextSize, step);
  }
  snapshot.candidates = candidates;
  return "VERIFY";
};
