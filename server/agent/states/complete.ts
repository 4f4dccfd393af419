import type { Attempt, AgentOutcome } from "../types.js";
import type { StateHandler } from "./StateContext.js";

/** The attempt to report: the passing one, else the one closest to passing (parsed, fewest failures). */
export function bestAttempt(attempts: readonly Attempt[]): Attempt | null {
  const ok = attempts.find((a) => a.ok);
  if (ok) return ok;
  const changed = attempts.filter((a) => a.changes.length > 0);
  const score = (a: Attempt) => (a.verification.parsed ? 0 : 1e6) + a.verification.tests.failed * 1000 - a.verification.tests.passed;
  return [...changed].sort((a, b) => score(a) - score(b))[0] ?? null;
}

function describeTests(t: AgentOutcome["verified"]["tests"]): string {
  return t.ran ? `tests: ${t.passed} passed, ${t.failed} failed` : "tests did not run";
}

/** COMPLETE: picks the outcome and writes an honest summary; nothing is claimed that verification did not show. */
export const complete: StateHandler = async ({ deps, snapshot }) => {
  const intent = snapshot.intent ?? "edit";
  const best = bestAttempt(snapshot.attempts);
  // Rounds of GENERATE → VERIFY, including rounds whose candidates never parsed (they produce no attempt).
  const iterations = snapshot.attempts.length > 0 || Object.keys(snapshot.candidates).length > 0 ? snapshot.iteration + 1 : 0;
  const tests = best?.verification.tests ?? snapshot.baseline ?? { ran: false, passed: 0, failed: 0, output: "", exitCode: null, timedOut: false };
  const verified = {
    parsed: best?.verification.parsed ?? false,
    tests: { ran: tests.ran, passed: tests.passed, failed: tests.failed, output: tests.output },
    checks: best?.verification.checks ?? [],
  };
  const ok = best?.ok ?? false;
  const files = best?.changes.map((c) => `${c.kind === "create" ? "created" : c.kind === "delete" ? "deleted" : "changed"} ${c.path}`).join(", ") ?? "";
  let summary: string;
  if (intent === "explain") {
    const where = snapshot.targets.slice(0, 5).map((t) => `${t.path}:${t.startLine}-${t.endLine}${t.symbol ? ` (${t.symbol})` : ""}`);
    summary = where.length > 0 ? `explain: the relevant code is ${where.join("; ")}. No changes were made.` : "explain: found no relevant code. No changes were made.";
  } else if (ok) {
    summary = `${intent}: ${files}; verified after ${iterations} iteration${iterations === 1 ? "" : "s"} (parsed; ${describeTests(verified.tests)}${deps.tests && verified.tests.ran ? ` with ${deps.tests.description}` : ""}).`;
    if (!verified.tests.ran) summary += " Only the syntax was checked: no test command or sandbox was available.";
  } else if (best) {
    summary = `${intent}: could not produce a verified change in ${iterations} iteration${iterations === 1 ? "" : "s"}; the closest attempt (${files}) is returned UNVERIFIED: ${verified.parsed ? describeTests(verified.tests) : "it does not parse"}.`;
  } else {
    const why = snapshot.feedback?.split("\n")[0]?.replace(/^- /, "");
    summary = `${intent}: no change was produced${iterations > 0 ? ` in ${iterations} iteration${iterations === 1 ? "" : "s"}` : ""}${why ? ` (${why})` : ""}.`;
    if (verified.tests.ran) summary += ` Before any change, ${describeTests(verified.tests)}.`;
  }
  if (snapshot.notes.length > 0) summary += ` Notes: ${snapshot.notes.join("; ")}.`;
  const outcome: AgentOutcome = {
    runId: snapshot.runId,
    changes: best?.changes ?? [],
    summary,
    verified,
    iterations,
    ok,
    intent,
    notes: [...snapshot.notes],
    apply: snapshot.request.apply,
  };
  snapshot.outcome = outcome;
  return "COMPLETE";
};
