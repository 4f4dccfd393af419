import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CodeActionService } from "../../server/actions/CodeActionService.js";
import { applyEdits } from "../../server/actions/edit/minimalEdits.js";
import type { ActionEnvironment, FileChange, ResolveRequest } from "../../server/actions/types.js";
import { checkSyntax, languageOf } from "../../server/syntax/index.js";
// @ts-expect-error: plain ESM fixture module shared with bench/capture-action-outputs.mjs
import { CASES, caseRequest } from "./fixtures/cases.mjs";
import { ReplayEngine, type RecordedCall } from "./replayEngine.js";

// The text→edit mapping, on outputs captured from the shared tiny model by bench/capture-action-outputs.mjs.

interface Captured {
  name: string;
  calls: RecordedCall[];
  plan: FileChange[] | null;
  error: string | null;
}
interface CaseDef {
  name: string;
  candidates?: number;
  files?: Record<string, string>;
}

const captured = JSON.parse(readFileSync(new URL("./fixtures/captured-outputs.json", import.meta.url), "utf8")) as { cases: Captured[] };
const cases = CASES as CaseDef[];
const service = new CodeActionService();

async function replay(name: string) {
  const c = cases.find((x) => x.name === name) as CaseDef;
  const recorded = captured.cases.find((x) => x.name === name) as Captured;
  const engine = new ReplayEngine(recorded.calls);
  const env: ActionEnvironment = {
    engine,
    index: null,
    files: { read: (p) => c.files?.[p] ?? null, exists: (p) => p in (c.files ?? {}), list: () => [], unsafeWrite: () => null },
    candidates: c.candidates ?? 1,
    signal: new AbortController().signal,
    onProgress: () => {},
    debug: () => {},
  };
  const request = caseRequest(c) as ResolveRequest;
  try {
    const plan = await service.resolve(request, env);
    return { request, plan, error: null, recorded, engine };
  } catch (error) {
    return { request, plan: null, error: (error as Error).message, recorded, engine };
  }
}

function editedText(request: ResolveRequest, changes: FileChange[]): string {
  const change = changes.find((c) => c.kind === "modify" && c.uri === request.document.uri);
  if (!change?.edits || change.before === null) throw new Error("no edit of the document");
  // The exact edits and the whole text they make agree.
  expect(applyEdits(change.before, change.edits)).toBe(change.after);
  return applyEdits(change.before, change.edits);
}

describe("captured model outputs → edits", () => {
  it("replays every captured case to the same plan or rejection", async () => {
    for (const recorded of captured.cases) {
      const { plan, error } = await replay(recorded.name);
      expect({ name: recorded.name, plan: plan?.changes ?? null, error }).toEqual({ name: recorded.name, plan: recorded.plan, error: recorded.error });
    }
  });

  it("rewrite: removes the `dhi:` instruction comment and touches only the selected lines", async () => {
    const { request, plan, engine } = await replay("python-rewrite-dhi-comment");
    const prompt = engine.requests[0].messages.map((m) => m.text).join("\n");
    expect(prompt).toContain("Instruction: add type hints");
    expect(prompt).toContain("The code is part of `Calc`");
    expect(engine.requests[0].inputGrounded, JSON.stringify(engine.requests[0])).toBe(true);
    const after = editedText(request, plan!.changes);
    expect(after).not.toContain("dhi: add type hints");
    expect(after.startsWith("import math\n\n\nclass Calc:\n"), after).toBe(true);
    expect(after.endsWith("\n    def double(self, x):\n        return x * 2\n"), after).toBe(true);
    // The tiny model's answer is indented under the class body.
    expect(after.split("\n").slice(4, 8).every((l) => l === "" || l.startsWith("    ")), JSON.stringify(after.split("\n").slice(4, 8))).toBe(true);
  });

  it("fix: edits stay within two lines of the diagnostic", async () => {
    const { request, plan } = await replay("python-fix");
    const change = plan!.changes[0];
    if (change.kind !== "modify" || !change.edits) throw new Error("expected exact edits");
    const lineOf = (offset: number) => request.document.text.slice(0, offset).split("\n").length - 1;
    for (const e of change.edits) {
      expect(lineOf(e.start)).toBeGreaterThanOrEqual(2);
      expect(lineOf(e.end)).toBeLessThanOrEqual(7);
    }
  });

  it("doc comments follow each language's convention", async () => {
    const ts = await replay("ts-doc");
    expect(editedText(ts.request, ts.plan!.changes)).toMatch(/^\/\*\*\n \* .*\n \*\n \* @param value .*\n \* @param low .*\n \* @param high .*\n \* @returns .*\n \*\/\nexport function clamp/);
    const py = await replay("python-doc");
    expect(editedText(py.request, py.plan!.changes)).toMatch(/^def mean\(values, default=0\):\n    """.*\n\n    Args:\n        values: .*\n        default: .*\n    """\n    if not values:/);
    const rs = await replay("rust-doc");
    expect(editedText(rs.request, rs.plan!.changes)).toMatch(/^\/\/\/ .*\n\/\/\/\n\/\/\/ # Arguments\n\/\/\/\n\/\/\/ \* `x`.*\n#\[inline\]\npub fn square/);
    const java = await replay("java-doc");
    expect(editedText(java.request, java.plan!.changes)).toMatch(/public class Util \{\n    \/\*\*\n     \* .*\n     \*\n     \* @param n.*\n(     \* @return .*\n)?     \*\/\n    public static int twice/);
    expect(ts.engine.requests[0].jsonSchema).toBeDefined();
  });

  it("explain: a wrapped line comment above the selection, in the language's syntax", async () => {
    const py = await replay("python-explain");
    expect(editedText(py.request, py.plan!.changes)).toMatch(/^def walk\(tree\):\n    # .+\n    stack = \[tree\]/);
    const ts = await replay("ts-explain");
    const after = editedText(ts.request, ts.plan!.changes);
    expect(after).toMatch(/\n  \/\/ .+\n  return \(\) => \{/);
    expect(after.split("\n").every((l) => l.length <= 80), JSON.stringify(after.split("\n"))).toBe(true);
  });

  it("tests: a new pytest file beside the source, importing the subject", async () => {
    const { plan } = await replay("python-tests-create");
    expect(plan!.changes).toHaveLength(1);
    const change = plan!.changes[0];
    expect(change).toMatchObject({ kind: "create", uri: "file:///proj/src/test_calc.py", path: "/proj/src/test_calc.py", before: null });
    const text = change.after ?? "";
    expect(text.startsWith("from calc import add\n\n"), text).toBe(true);
    expect(checkSyntax(text, "python").errorCount).toBe(0);
  });

  it("parse check: an answer that breaks the file is retried with the parser's error, then rejected", async () => {
    const { error, engine, request } = await replay("go-rewrite-rejected");
    expect(error).toMatch(/^dhi: the rewrite was rejected because it does not parse/);
    expect(engine.requests).toHaveLength(3); // two candidates, then one retry
    const retry = engine.requests[2].messages;
    expect(retry[retry.length - 1].text).toMatch(/That does not parse:\n- min\.go line \d+: unexpected/);
    expect(engine.requests[1].temperature).toBeGreaterThan(0);
    expect(languageOf(request.document.path!)).toBe("go");
  });
});
