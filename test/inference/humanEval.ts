import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { BENCH_DATA } from "./models.js";

export interface InfillProblem {
  task_id: string;
  prompt: string;
  suffix: string;
  canonical_solution: string;
}

/** The first `n` HumanEval infilling problems from distinct tasks (gz JSONL from the shared bench data). */
export function humanEvalProblems(n: number, file = "HumanEval-MultiLineInfilling.jsonl.gz"): InfillProblem[] {
  const lines = gunzipSync(readFileSync(`${BENCH_DATA}human-eval-infilling/${file}`)).toString("utf8").trim().split("\n");
  const seen = new Set<string>();
  const out: InfillProblem[] = [];
  for (const line of lines) {
    const p = JSON.parse(line) as InfillProblem;
    const task = p.task_id.split("/").slice(0, -1).join("/");
    if (seen.has(task)) continue;
    seen.add(task);
    out.push(p);
    if (out.length >= n) break;
  }
  return out;
}
