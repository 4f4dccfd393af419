import { posix } from "node:path";

/** Test files, by the layouts of the eight languages (tests/ folders, *.test.*, *_test.go, test_*.py, …). */
const TEST_PATH = /(^|\/)(tests?|__tests__|spec|testdata)\/|[._-](test|spec)s?\.[^/]+$|(^|\/)test_[^/]+\.py$|_test\.go$|Tests?\.java$/;

export function isTestPath(path: string): boolean {
  return TEST_PATH.test(path);
}

/**
 * How near a definition in `candidate` is to code in `from`, lower is nearer: a file `from` imports, then the
 * same folder, then elsewhere; for code that is not a test, definitions in tests come after the others at the
 * same distance (tests define helpers with the commonest names).
 */
export function proximity(from: string, candidate: string, imported: ReadonlySet<string>): number {
  const distance = imported.has(candidate) ? 0 : posix.dirname(candidate) === posix.dirname(from) ? 1 : 2;
  return 2 * distance + (!isTestPath(from) && isTestPath(candidate) ? 1 : 0);
}
