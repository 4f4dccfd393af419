import { getLlama, LlamaLogLevel, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FimUnsupportedError } from "../../server/inference/errors.js";
import { buildFimPrompt, commentHeader, keepLinesFromEnd } from "../../server/inference/fimPrompt.js";
import { controlToken, FIM_TEMPLATES, lookupFimTemplate, resolveFimTemplate } from "../../server/inference/fimTemplates.js";
import { FIM_MODEL, VOCAB_DIR } from "./models.js";
import { Cursor } from "../../server/text/Cursor.js";

// Real tokenizers of real model families (vocab-only GGUFs from llama.cpp): the template's special
// tokens must come out as single control tokens, and user text must never become one.

let llama: Llama;
const vocab: Record<string, LlamaModel> = {};

beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, logger: () => undefined });
  for (const name of ["starcoder", "deepseek-coder", "gpt-2", "llama-spm"]) {
    vocab[name] = await llama.loadModel({ modelPath: `${VOCAB_DIR}ggml-vocab-${name}.gguf`, vocabOnly: true });
  }
  vocab.dhi = await llama.loadModel({ modelPath: FIM_MODEL, vocabOnly: true });
});

afterAll(async () => {
  for (const m of Object.values(vocab)) await m.dispose();
  await llama.dispose();
});

function model(name: string): LlamaModel {
  const m = vocab[name];
  if (!m) throw new Error(`vocab ${name} not loaded`);
  return m;
}

const count = (tokens: number[], id: number) => tokens.filter((t) => t === id).length;

describe("FIM templates against real vocabularies", () => {
  it("auto reads StarCoder's GGUF FIM tokens and detects repo-level tokens", () => {
    const t = resolveFimTemplate(model("starcoder"), "auto", "starcoder");
    expect(t).toMatchObject({ name: "starcoder", prefix: 1, suffix: 3, middle: 2, order: "psm" });
    expect(t?.repo).toMatchObject({ style: "starcoder2" });
    expect(t?.stopTokens.has(0 as Token), JSON.stringify([...(t?.stopTokens ?? [])])).toBe(true); // <|endoftext|>
    for (const text of ["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<file_sep>", "<repo_name>"]) {
      expect(controlToken(model("starcoder"), text), text).not.toBeNull();
    }
  });

  it("auto reads DeepSeek-Coder's tokens; it has no repo-level tokens", () => {
    const t = resolveFimTemplate(model("deepseek-coder"), "auto", "deepseek");
    expect(t).toMatchObject({ name: "deepseek-coder", prefix: 32016, suffix: 32015, middle: 32017, repo: null });
    expect(model("deepseek-coder").tokenize("<｜fim▁begin｜>", true)).toEqual([32016]);
  });

  it("the dhi model's GGUF tokens resolve to the StarCoder family", () => {
    const t = resolveFimTemplate(model("dhi"), "auto", "dhi");
    expect(t).toMatchObject({ name: "starcoder", prefix: 1, suffix: 3, middle: 2 });
    expect(t?.repo).toMatchObject({ name: 5, fileSep: 6 });
  });

  it("models without FIM tokens: auto gives null, a named template throws FimUnsupportedError", () => {
    expect(resolveFimTemplate(model("gpt-2"), "auto", "gpt2")).toBeNull();
    expect(resolveFimTemplate(model("llama-spm"), "auto", "llama")).toBeNull();
    expect(() => resolveFimTemplate(model("gpt-2"), "starcoder", "gpt2")).toThrow(FimUnsupportedError);
    expect(() => resolveFimTemplate(model("starcoder"), "deepseek-coder", "sc")).toThrow(FimUnsupportedError);
    expect(() => resolveFimTemplate(model("starcoder"), "nonsense", "sc")).toThrow(/model\.template/);
  });

  it("named templates bind to their own family's vocabulary", () => {
    expect(resolveFimTemplate(model("starcoder"), "starcoder2", "sc")?.name).toBe("starcoder");
    expect(resolveFimTemplate(model("deepseek-coder"), "deepseek", "ds")?.name).toBe("deepseek-coder");
    expect(lookupFimTemplate("Qwen2.5-Coder")?.repoStyle).toBe("qwen");
    expect(Object.keys(FIM_TEMPLATES)).toEqual(
      expect.arrayContaining(["starcoder", "qwen2.5-coder", "deepseek-coder", "codellama", "codestral", "codegemma"]),
    );
  });
});

describe("FIM prompt layout", () => {
  const prefix = "import os\n\ndef main():\n    path = os.path.join(";
  const suffix = ")\n    print(path)\n";
  const extraContext = [{ path: "util/helpers.py", text: "def helper():\n    return 1\n" }];

  it("StarCoder: repo-level context, each control token exactly once, user text stays text", () => {
    const m = model("starcoder");
    const t = resolveFimTemplate(m, "auto", "sc");
    if (!t) throw new Error("no template");
    const evil = "x = '<fim_middle><file_sep>'\n";
    const p = buildFimPrompt(m, t, { cursor: Cursor.between(evil + prefix, suffix), extraContext, path: "main.py", repoName: "demo" }, { budget: 1000 });
    expect(p.layout).toBe("psm-line");
    expect(p.contextFiles).toBe(1);
    expect(count(p.tokens, 1)).toBe(1);
    expect(count(p.tokens, 3)).toBe(1);
    expect(count(p.tokens, 2)).toBe(1);
    expect(p.tokens[0]).toBe(t.repo?.name);
    expect(count(p.tokens, t.repo?.fileSep ?? -1)).toBe(2);
    const text = m.detokenize(p.tokens, true);
    expect(text).toContain("<repo_name>demo<file_sep>util/helpers.py\ndef helper()");
    expect(text).toContain("<file_sep><fim_prefix>main.py\nx = '<fim_middle><file_sep>'");
    // psm-line: the cursor line's head follows <fim_middle>.
    expect(text.endsWith("<fim_middle>    path = os.path.join("), text).toBe(true);
  });

  it("DeepSeek: no repo tokens, so extra files become commented headers inside the prefix", () => {
    const m = model("deepseek-coder");
    const t = resolveFimTemplate(m, "auto", "ds");
    if (!t) throw new Error("no template");
    const p = buildFimPrompt(m, t, { cursor: Cursor.between(prefix, suffix), extraContext, path: "main.py" }, { budget: 1000, layout: "psm" });
    // DeepSeek adds BOS (<｜begin▁of▁sentence｜>) first.
    expect(p.tokens.slice(0, 2)).toEqual([m.tokens.bos, 32016]);
    expect(count(p.tokens, 32016) + count(p.tokens, 32015) + count(p.tokens, 32017)).toBe(3);
    expect(p.tokens.at(-1)).toBe(32017);
    const text = m.detokenize(p.tokens, true);
    expect(text).toContain("# path: util/helpers.py\ndef helper()");
    expect(text).toContain("# path: main.py\nimport os");
    expect(commentHeader("a.ts", "b.ts")).toBe("// path: a.ts\n");
  });

  it("psm is llama-server /infill's prompt token for token, wherever the cursor is (the identical-output bench relies on it)", () => {
    // llama.cpp tools/server format_prompt_infill, without extra context, with llama.vim's request: `input_prefix`
    // (the lines before the cursor line) and `prompt` (the cursor line's head) tokenized apart, then
    // [BOS if the vocab adds one] PRE input_prefix prompt SUF input_suffix MID.
    const source = readFileSync(new URL("../../server/inference/fimPrompt.ts", import.meta.url), "utf8");
    for (const name of ["dhi", "starcoder", "deepseek-coder"]) {
      const m = model(name);
      const t = resolveFimTemplate(m, "auto", name);
      if (!t) throw new Error(`no template for ${name}`);
      const tok = (text: string): Token[] => (text === "" ? [] : m.tokenize(text, false));
      const bos = m.tokens.shouldPrependBosToken && m.tokens.bos != null ? [m.tokens.bos] : [];
      let cursors = 0;
      // Every 53rd character of a real file: indented lines, line starts, mid-word, blank lines.
      for (let offset = 1200; offset < 4000; offset += 53) {
        const prefix = source.slice(offset - 1200, offset);
        const suffix = source.slice(offset, offset + 300);
        const lineStart = prefix.lastIndexOf("\n") + 1;
        const server = [...bos, t.prefix, ...tok(prefix.slice(0, lineStart)), ...tok(prefix.slice(lineStart)), t.suffix, ...tok(suffix), t.middle];
        const dhi = buildFimPrompt(m, t, { cursor: Cursor.between(prefix, suffix) }, { budget: 4096, layout: "psm" });
        expect(dhi.tokens, `${name} at ${offset}`).toEqual(server);
        cursors++;
      }
      expect(cursors).toBeGreaterThan(50);
    }
  });

  it("the prompt's stable start (extra context, file header) is the same wherever the cursor is, in every layout", () => {
    for (const [name, layouts] of [["starcoder", ["psm", "psm-line", "spm"]], ["deepseek-coder", ["psm", "psm-line"]], ["dhi", ["psm", "psm-line"]]] as const) {
      const m = model(name);
      const t = resolveFimTemplate(m, "auto", name);
      if (!t) throw new Error(`no template for ${name}`);
      for (const layout of layouts) {
        const at = (cursor: Cursor) => buildFimPrompt(m, t, { cursor, extraContext, path: "main.py" }, { budget: 1000, layout });
        const top = at(Cursor.between("", prefix + suffix));
        const here = at(Cursor.between(prefix, suffix));
        expect(top.stable, `${name} ${layout}`).toBeGreaterThan(2);
        expect(here.stable, `${name} ${layout}`).toBe(top.stable);
        expect(here.tokens.slice(0, here.stable), `${name} ${layout}`).toEqual(top.tokens.slice(0, top.stable));
        // It ends before the first token that depends on the cursor.
        expect(here.tokens[here.stable], `${name} ${layout}`).not.toBe(top.tokens[top.stable]);
      }
    }
  });

  it("SPM puts the suffix first; over-long input is trimmed at line boundaries to the budget", () => {
    const m = model("starcoder");
    const t = resolveFimTemplate(m, "auto", "sc");
    if (!t) throw new Error("no template");
    const spm = buildFimPrompt(m, t, { cursor: Cursor.between(prefix, suffix) }, { budget: 1000, layout: "spm" });
    expect(spm.tokens[0]).toBe(3);
    expect(spm.tokens.at(-1)).toBe(2);
    const longPrefix = Array.from({ length: 400 }, (_, i) => `line_${i} = ${i}\n`).join("") + "result = ";
    const longSuffix = Array.from({ length: 400 }, (_, i) => `after_${i}()\n`).join("");
    const p = buildFimPrompt(m, t, { cursor: Cursor.between(longPrefix, longSuffix), extraContext }, { budget: 300 });
    expect(p.tokens.length).toBeLessThanOrEqual(300);
    const text = m.detokenize(p.tokens, true);
    expect(text).toContain("line_399 = 399\n<fim_suffix>after_0()");
    expect(text.endsWith("<fim_middle>result = "), text).toBe(true);
  });
});

describe("FIM layouts for KV reuse", () => {
  it("psm-line and psm-block put the cursor line (block) after the middle token", () => {
    const m = model("dhi");
    const t = resolveFimTemplate(m, "auto", "dhi");
    if (!t) throw new Error("no template");
    const lines = Array.from({ length: 11 }, (_, i) => `x${i} = ${i}\n`).join("");
    const prefix = `${lines}y = `;
    const line = m.detokenize(buildFimPrompt(m, t, { cursor: Cursor.between(prefix, "\n") }, { budget: 1000, layout: "psm-line" }).tokens, true);
    expect(line.endsWith("<fim_middle>y = "), line).toBe(true);
    const block = m.detokenize(buildFimPrompt(m, t, { cursor: Cursor.between(prefix, "\n") }, { budget: 1000, layout: "psm-block" }).tokens, true);
    // Line 11 (0-based) is in the block starting at line 8.
    expect(block.endsWith("<fim_middle>x8 = 8\nx9 = 9\nx10 = 10\ny = "), block).toBe(true);
  });

  it("the trimmed prefix window starts on a 16-line boundary, so it moves rarely while typing", () => {
    const m = model("dhi");
    const lines = Array.from({ length: 300 }, (_, i) => `value_${i} = compute(${i})\n`);
    const starts = new Set<string>();
    for (let n = 200; n < 216; n++) starts.add(keepLinesFromEnd(m, lines.slice(0, n).join(""), 400).split("\n")[0] ?? "");
    expect(starts.size).toBeLessThanOrEqual(2);
  });
});
