import type { Verification } from "../types.js";
import { clip } from "./dataBlock.js";

// Lines of test output that carry the failure: assertion messages, expected/actual, error names, locations.
const SIGNAL = /(not ok|fail|error|assert|expected|actual|received|exception|traceback|panic|\+\+\+|---|^\s*[+-]\s|\.(js|ts|py|go|rs|java|c|cpp):\d+)/i;

/** The parts of a test run's output that explain the failure, in order, within `maxChars`. */
export function failureExcerpt(output: string, maxChars = 1500): string {
  const lines = output.split("\n");
  const keep: string[] = [];
  lines.forEach((line, i) => {
    if (SIGNAL.test(line) && !/^\s*at (node:|process\.|Test\.|async )/.test(line)) {
      if (keep.length > 0 && !keep.at(-1)?.startsWith("…") && i > 0 && !SIGNAL.test(lines[i - 1] ?? "")) keep.push("…");
      keep.push(line.trimEnd());
    }
  });
  return clip(keep.length > 0 ? keep.join("\n") : output.trim().split("\n").slice(-20).join("\n"), maxChars);
}

/** Structured feedback for the next GENERATE: syntax errors with positions, failed checks, test failures. */
export function feedbackFor(verification: Verification, unchanged: boolean): string {
  const parts: string[] = [];
  if (unchanged) parts.push("- the reply did not change the code");
  for (const error of verification.syntaxErrors) parts.push(`- ${error}`);
  for (const check of verification.checks.filter((c) => c.ran && !c.passed)) parts.push(`- ${check.name} failed:\n${failureExcerpt(check.output, 800)}`);
  const t = verification.tests;
  if (t.ran && (t.failed > 0 || t.exitCode !== 0)) {
    parts.push(`- tests: ${t.failed} failed, ${t.passed} passed${t.timedOut ? " (timed out)" : ""}. Failure output:\n${failureExcerpt(t.output)}`);
  }
  return parts.join("\n");
}
