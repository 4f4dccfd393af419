import { describe, expect, it } from "vitest";
import { CompletionService } from "../../server/completion/CompletionService.js";
import { TokenCounter } from "../../server/completion/context/TokenCounter.js";
import { prefixWindow } from "../../server/completion/context/textWindows.js";
import { Cursor } from "../../server/text/Cursor.js";
import { countErrors, errorsWith, type SyntaxWindow } from "../../server/completion/verify/syntaxWindow.js";
import { CompletionSettingsSchema } from "../../server/config/schema.js";
import { parse } from "../../server/syntax/index.js";
import { Logger } from "../../server/util/logger.js";
import { ScriptedEngine } from "./fakeEngine.js";
import { records, windowFor } from "./fixtures.js";

// The per-keystroke hot path keeps its results while doing less work (bench/completion-latency.mjs).

describe("completion hot path", () => {
  it("tokenizes each uncached text once, however often it repeats in a window", async () => {
    const counted: string[] = [];
    const counter = new TokenCounter(async (text) => {
      counted.push(text);
      return text.length;
    });
    const lines = ["  }\n", "\n", "const a = 1;\n", "\n", "  }\n", "\n"];
    expect(await counter.countAll(lines)).toEqual(lines.map((l) => l.length));
    expect(counted.sort()).toEqual(["\n", "  }\n", "const a = 1;\n"]);
    expect(await counter.countAll(["\n", "x\n"])).toEqual([1, 2]);
    expect(counted).toHaveLength(4);
  });

  it("keeps only the end of a cursor line no budget covers (a minified bundle's one line), and tokenizes none of it whole", async () => {
    const counted: string[] = [];
    const counter = new TokenCounter(async (text) => {
      counted.push(text);
      return Math.ceil(text.length / 4);
    });
    const line = `var a=1;${"function f(x){return x+1};".repeat(40_000)}`;
    const text = `// header\n${line}`;
    const window = await prefixWindow(Cursor.at(text, text.length), 500, counter);
    expect(window.truncated).toBe(true);
    expect(line.endsWith(window.text)).toBe(true);
    // About the budget's worth of the line's end, counted within the budget, and never tokenized whole.
    expect(window.tokens).toBeLessThanOrEqual(500);
    expect(window.text.length).toBeGreaterThan(500);
    expect(Math.max(0, ...counted.map((t) => t.length))).toBeLessThanOrEqual(2000);
    // A zero prefix budget still keeps the end of the cursor's line.
    const none = await prefixWindow(Cursor.at(text, text.length), 0, counter);
    expect(none.text.length).toBeGreaterThan(0);
    expect(line.endsWith(none.text)).toBe(true);
    // An ordinary cursor line is kept whole, with the lines before it.
    const small = "const a = 1;\nconst b = a +";
    expect((await prefixWindow(Cursor.at(small, small.length), 500, counter)).text).toBe(small);
  });

  it("gives the same error counts as a fresh parse when the same insert is verified twice", () => {
    for (const r of records.slice(0, 12)) {
      let window: SyntaxWindow;
      try {
        window = windowFor(r);
      } catch {
        continue;
      }
      for (const insert of [r.raw, r.expected, `${r.raw})`]) {
        const fresh = countErrors(parse(window.text.slice(0, window.cursor) + insert + window.text.slice(window.cursor), window.language));
        expect(errorsWith(window, insert, 0)).toBe(fresh);
        expect(errorsWith(window, insert, 0)).toBe(fresh);
      }
    }
  });

  it("uses the syntax window when the engine streams text before the window was parsed", async () => {
    // The scripted engine (0 ms per character) calls onText synchronously, before the job parses the window
    // in the background; the stop rule and the multi-line decision must still apply.
    const engine = new ScriptedEngine(() => "w * h\n    return 0\n");
    const settings = CompletionSettingsSchema.parse({ responseBudgetMs: 0 });
    const svc = new CompletionService({ engine, getSettings: () => settings, logger: new Logger("error") });
    const text = "def area(w, h):\n    return \n";
    const result = await svc.complete({ uri: "a", path: "a.py", text, offset: text.indexOf("return ") + "return ".length });
    expect(result?.text).toBe("w * h");
    expect(result?.debug.multiline).toBe(false);
    expect(result?.debug.timings.syntaxMs).toBeGreaterThanOrEqual(0);
    await svc.dispose();
  });
});
