// Reads pass/fail counts from common test runners' summaries. When no summary is recognised the exit code
// decides (one passing or one failing "suite"), so the counts never claim more than the run showed.

const num = (m: RegExpMatchArray | null): number => (m ? Number(m[1]) : 0);

export function testCounts(output: string, exitCode: number): { passed: number; failed: number } {
  // node --test (TAP and spec reporters)
  const nodePass = output.match(/^(?:# |ℹ )pass (\d+)/m);
  const nodeFail = output.match(/^(?:# |ℹ )fail (\d+)/m);
  if (nodePass || nodeFail) return { passed: num(nodePass), failed: num(nodeFail) };
  // cargo
  const cargo = [...output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)];
  if (cargo.length > 0) return cargo.reduce((acc, m) => ({ passed: acc.passed + Number(m[1]), failed: acc.failed + Number(m[2]) }), { passed: 0, failed: 0 });
  // jest / vitest
  const jest = output.match(/Tests:?\s+(?:(\d+) failed[,| ]+)?(?:(\d+) passed)?/);
  if (jest && (jest[1] || jest[2])) return { passed: Number(jest[2] ?? 0), failed: Number(jest[1] ?? 0) };
  // pytest
  const pyPass = output.match(/(\d+) passed/);
  const pyFail = output.match(/(\d+) failed/);
  const pyError = output.match(/(\d+) errors?\b/);
  if (pyPass || pyFail) return { passed: num(pyPass), failed: num(pyFail) + num(pyError) };
  // mocha
  const mochaPass = output.match(/(\d+) passing/);
  const mochaFail = output.match(/(\d+) failing/);
  if (mochaPass || mochaFail) return { passed: num(mochaPass), failed: num(mochaFail) };
  // go
  // [ \t], not \s: with `m`, \s also crosses newlines and a run of blank lines was retried from each (quadratic).
  const goPass = (output.match(/^[ \t]*--- PASS/gm) ?? []).length;
  const goFail = (output.match(/^[ \t]*--- FAIL/gm) ?? []).length;
  if (goPass + goFail > 0) return { passed: goPass, failed: goFail };
  return exitCode === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}
