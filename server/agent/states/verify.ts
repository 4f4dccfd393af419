import { feedbackFor } from "../prompts/feedback.js";
import { syntaxDiagnostics } from "../tools/diagnostics.js";
import { composeChanges, type Choice } from "../tools/composeChanges.js";
import { toOverlay } from "../tools/changeFiles.js";
import type { Attempt, Candidate, CheckResult, FileChange, TestReport, Verification } from "../types.js";
import type { StateContext, StateHandler } from "./StateContext.js";

const NOT_RUN: TestReport = { ran: false, passed: 0, failed: 0, output: "", exitCode: null, timedOut: false };

/** Variant r takes each step's r-th best parsed candidate (falling back to its best), so variants differ. */
function variants(context: StateContext): Choice[][] {
  const { snapshot, deps } = context;
  const out: Choice[][] = [];
  const seen = new Set<string>();
  for (let r = 0; r < deps.settings.candidates; r++) {
    const choices: Choice[] = [];
    for (const step of snapshot.plan) {
      if (step.kind === "delete") {
        choices.push({ step, candidate: null });
        continue;
      }
      const parsed = (snapshot.candidates[step.id] ?? []).filter((c: Candidate) => c.parsed);
      const candidate = parsed[r] ?? parsed[0];
      if (candidate) choices.push({ step, candidate });
    }
    const key = JSON.stringify(choices.map((c) => c.candidate?.text ?? "delete"));
    if (choices.length > 0 && !seen.has(key)) {
      seen.add(key);
      out.push(choices);
    }
  }
  return out;
}

async function verifyChanges(context: StateContext, changes: FileChange[]): Promise<Verification> {
  const { deps } = context;
  const syntaxErrors = changes.flatMap((c) => (c.after === null ? [] : syntaxDiagnostics(c.path, c.after)));
  const baselineErrors = changes.flatMap((c) => (c.before === null ? [] : syntaxDiagnostics(c.path, c.before)));
  // A file that was already broken counts as parsed when the change adds no new errors.
  const parsed = syntaxErrors.length === 0 || syntaxErrors.length <= baselineErrors.length;
  if (!parsed) return { parsed, syntaxErrors, checks: [], tests: NOT_RUN };
  const overlay = toOverlay(changes);
  const checks: CheckResult[] = deps.tests?.checks ? await deps.tests.checks(overlay, deps.signal) : [];
  const tests = deps.tests ? await deps.tests.run(overlay, deps.signal) : NOT_RUN;
  return { parsed, syntaxErrors, checks, tests };
}

function passes(v: Verification): boolean {
  const testsOk = !v.tests.ran || (v.tests.failed === 0 && v.tests.exitCode === 0 && !v.tests.timedOut);
  return v.parsed && v.checks.every((c) => !c.ran || c.passed) && testsOk;
}

/**
 * VERIFY: tree-sitter parse, configured checks, then the tests in the sandbox on an overlay (the user's files
 * stay untouched), for up to N variants. A pass goes to COMPLETE; a failure feeds structured feedback back
 * into GENERATE until `agent.maxIterations` is used up.
 */
export const verify: StateHandler = async (context) => {
  const { deps, snapshot, gate } = context;
  const iteration = snapshot.iteration;
  const tried = variants(context);
  let lastFeedback = "";
  if (tried.length === 0) {
    const errors = Object.values(snapshot.candidates).flatMap((list) => list.flatMap((c) => c.syntaxErrors)).slice(0, 8);
    lastFeedback = `- no candidate parsed:\n${errors.map((e) => `  ${e}`).join("\n")}`;
  }
  for (let v = 0; v < tried.length; v++) {
    deps.onProgress?.({ message: `dhi agent: VERIFY — iteration ${iteration + 1}, variant ${v + 1}/${tried.length}${deps.tests ? ` (${deps.tests.description})` : ""}` });
    const { changes, refused } = await composeChanges(deps.root, gate, tried[v] as Choice[]);
    for (const reason of refused) if (!snapshot.notes.includes(`refused: ${reason}`)) snapshot.notes.push(`refused: ${reason}`);
    const unchanged = changes.length === 0;
    const verification = unchanged ? { parsed: true, syntaxErrors: [], checks: [], tests: NOT_RUN } : await verifyChanges(context, changes);
    const ok = !unchanged && passes(verification);
    const attempt: Attempt = { iteration, variant: v, changes, verification, ok, feedback: ok ? "" : feedbackFor(verification, unchanged) };
    snapshot.attempts.push(attempt);
    lastFeedback = attempt.feedback;
    if (ok) return "COMPLETE";
  }
  snapshot.feedback = lastFeedback || snapshot.feedback;
  if (iteration + 1 >= deps.settings.maxIterations) return "COMPLETE";
  snapshot.iteration = iteration + 1;
  return "GENERATE";
};
