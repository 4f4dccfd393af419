import { describe, expect, it } from "vitest";
import { describeStyle } from "../../server/actions/language/style.js";
import { fenced } from "../../server/actions/prompt/messages.js";
import { declaredClasses } from "../../server/actions/providers/testsProvider.js";
import { fileLineMentions, localImports } from "../../server/agent/tools/projectFiles.js";
import { testCounts } from "../../server/agent/tools/testCounts.js";
import { trailingWhitespace } from "../../server/completion/context/trailingWhitespace.js";
import { calibrationQuery, callSiteQuery } from "../../server/index/calibration/calibrationQueries.js";

// Text a hostile repository (or its test output) can hold, on which the earlier regexes backtracked super-linearly:
// each input here took tens of seconds or more with them (measured at smaller sizes: quadratic or worse), so a
// regression runs past the timeout, which vitest fails. Each case also checks the answer is still right.
const TIMEOUT = 20_000;
const spaces = (n: number) => " ".repeat(n);

describe("repository text that made a matcher backtrack", () => {
  it("the cursor line's trailing whitespace (every completion)", () => {
    expect(trailingWhitespace(`${spaces(400_000)}x`)).toBe("");
    expect(trailingWhitespace(`return a${spaces(3)}\t`)).toBe("   \t");
    expect(trailingWhitespace(spaces(5))).toBe(spaces(5));
    expect(trailingWhitespace("")).toBe("");
  }, TIMEOUT);

  it("the file's style for an action's prompt (every line of the document)", () => {
    expect(describeStyle(`const a = 1;\nlet b${spaces(400_000)}=\nconst c = 2;\n`, "typescript")).toBe("4-space indentation, semicolons");
    expect(describeStyle("const a = 1\nconst b = 'x'\nf(a,\n  b)\n", "typescript")).toBe("2-space indentation, single quotes, no semicolons");
  }, TIMEOUT);

  it("a Java test class named after a repository's file is compared, not compiled into a pattern", () => {
    // The file `Foo(\w+)+x.java` made `new RegExp(\bclass\s+Foo(\w+)+xTest\b)` backtrack exponentially on the
    // model's lines (and `a(.java` threw); the names on a line are now read and compared as strings.
    expect(declaredClasses("public final class UtilTest extends Base {")).toEqual(["UtilTest"]);
    expect(declaredClasses(`class Foo${"A".repeat(100)} {} class $Other {}`)).toEqual([`Foo${"A".repeat(100)}`, "$Other"]);
    expect(declaredClasses("classy code; subclasses")).toEqual([]);
  });

  it("fenced code in a prompt", () => {
    expect(fenced("ts", `a${spaces(300_000)}b  \n`)).toBe(`\`\`\`ts\na${spaces(300_000)}b\n\`\`\``);
  }, TIMEOUT);

  it("doc comments and call sites the retrieval calibration reads", () => {
    const stars = `/** finds the value in the list${"*".repeat(400_000)}x\n * and returns it */\nfunction find() {}\n`;
    expect(calibrationQuery({ id: 1, kind: "function", symbol: "find", text: stars })?.query.startsWith("finds the value in the list")).toBe(true);
    const link = `/** uses {@link ${"a".repeat(1_000_000)} and more words here */\nfunction g() {}\n`;
    expect(calibrationQuery({ id: 2, kind: "function", symbol: "g", text: link })).not.toBeNull();
    // A C++ operator's name is no pattern: it threw "Nothing to repeat".
    const op = { id: 3, kind: "function", symbol: "It::operator++", text: "It& It::operator++() { return *this; }" };
    expect(callSiteQuery(op, { id: 4, text: "void f(It it) {\n  it.operator++();\n}\n" })?.query).toContain("operator++()");
  }, TIMEOUT);

  it("relative imports the agent follows without an index", () => {
    const files = new Set(["src/a.ts", "src/b.ts", "src/c.ts", "src/d.ts", "pkg/mod.py"]);
    const ts = "import { x } from './b';\nexport * from \"./c\";\nconst d = require('./d');\nimport('./a');\n";
    expect(localImports("src/a.ts", ts, files).sort()).toEqual(["src/b.ts", "src/c.ts", "src/d.ts"]);
    expect(localImports("src/a.ts", `${"import ".repeat(200_000)}x`, files)).toEqual([]);
    expect(localImports("main.py", `from pkg.mod import f\n${"\n".repeat(400_000)}x`, files)).toEqual(["pkg/mod.py"]);
    expect(localImports("main.py", `from ${".".repeat(400_000)}`, files)).toEqual([]);
  }, TIMEOUT);

  it("file mentions and Go counts in test output", () => {
    const files = new Set(["src/math.js"]);
    expect(fileLineMentions(`${"a.".repeat(200_000)}\n  at add (file:///work/src/math.js:2:10)`, files)).toEqual([{ path: "src/math.js", line: 2 }]);
    expect(testCounts(`${"\n".repeat(300_000)}--- PASS: TestA\n  --- FAIL: TestB\n`, 1)).toEqual({ passed: 1, failed: 1 });
  }, TIMEOUT);
});
