import { describe, expect, it } from "vitest";
import { isTestPath, proximity } from "../../server/index/definitionProximity.js";

describe("definition proximity", () => {
  it("recognises test files in the eight languages' layouts", () => {
    for (const path of ["test/a.ts", "src/__tests__/a.tsx", "pkg/a.test.js", "a.spec.ts", "tests/test_io.py", "test_io.py", "net/conn_test.go",
      "src/test/java/FooTest.java", "crates/x/tests/it.rs", "spec/models/user_spec.rb"]) {
      expect(isTestPath(path), path).toBe(true);
    }
    for (const path of ["src/a.ts", "src/testing.ts", "lib/contest.py", "cmd/latest.go", "src/main/java/Tester.java", "attest/x.c"]) {
      expect(isTestPath(path), path).toBe(false);
    }
  });

  it("ranks an imported file, then the same folder, then elsewhere, with tests after code at each distance", () => {
    const imported = new Set(["src/lib/io.ts"]);
    const rank = (candidate: string) => proximity("src/app/main.ts", candidate, imported);
    expect(rank("src/lib/io.ts")).toBeLessThan(rank("src/app/util.ts"));
    expect(rank("src/app/util.ts")).toBeLessThan(rank("src/app/util.test.ts"));
    expect(rank("src/app/util.test.ts")).toBeLessThan(rank("src/other/x.ts"));
    expect(rank("src/other/x.ts")).toBeLessThan(rank("test/x.ts"));
    // From a test, other tests are not pushed back.
    expect(proximity("test/a.test.ts", "test/helpers.ts", new Set())).toBe(2);
  });
});
