import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaEngine } from "../../server/inference/LlamaEngine.js";
import { Cursor } from "../../server/text/Cursor.js";
import { HOW_TO_GET_LLAMA_SERVER, LLAMA_SERVER_BIN, llamaServerInfill, startLlamaServer, type LlamaServer } from "../helpers/llamaServer.js";
import { humanEvalProblems } from "./humanEval.js";
import { FIM_MODEL, quietLogger, testSettings } from "./models.js";

// Identical outputs at 64 tokens against llama.cpp's own llama-server /infill: dhi's engine with the "psm" layout
// (llama-server's prompt, token for token) and KV reuse across typing sessions, next to llama-server with its prompt
// cache, greedy on both sides. Both run without flash attention (its kernel rounds differently) and llama-server
// with `-n 64`: its /infill sizes its repo-level extra context with the server's n_predict, and the default (-1)
// puts 2 tokens of "<file_sep>filename\n" before every prompt. bench/vs-llama-server.mjs checks the same at scale.
// dhi's engine here reuses the common prefix only (`cacheReuse: 0`), as llama-server's prompt cache does. Its default
// also shifts later cached runs into place (kvReuse.ts, llama-server's `--cache-reuse`): those tokens keep keys and
// values computed after what preceded them when they were cached, an approximation that can change a generation
// (it did here on one prompt at token 24, top-2 0.19 / 0.08), so it has no place in an identity check.

const MAX_TOKENS = 64;
const KEYSTROKES = 4;

interface Case {
  name: string;
  prefix: string;
  suffix: string;
}

/** Typing sessions: HumanEval solutions typed a character at a time, and a real file typed mid-line, indented. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const problem of humanEvalProblems(3)) {
    for (let k = 0; k < KEYSTROKES; k++) {
      out.push({ name: `${problem.task_id} +${k}`, prefix: problem.prompt + problem.canonical_solution.slice(0, k), suffix: problem.suffix });
    }
  }
  // A copy of a source file, so the prompts stay the same when the code changes (the live file once moved them).
  const source = readFileSync(new URL("fixtures/typing-session.ts.txt", import.meta.url), "utf8");
  const line = source.indexOf("\n    ", 1200) + 1; // an indented line past the first 1,200 characters
  for (let k = 0; k < KEYSTROKES * 2; k++) {
    const cut = line + 4 + k * 3;
    out.push({ name: `generate.ts +${k * 3}`, prefix: source.slice(cut - 1000, cut), suffix: source.slice(cut, cut + 300) });
  }
  return out;
}

function describeWithLlamaServer(title: string, body: (bin: string) => void): void {
  const bin = LLAMA_SERVER_BIN;
  if (bin) {
    describe(title, () => body(bin));
    return;
  }
  describe(title, () => {
    if (process.env.CI) it("has llama-server built in CI", () => expect.fail(`.ci/run builds it: ${HOW_TO_GET_LLAMA_SERVER}`));
    else it.skip(`skipped: ${HOW_TO_GET_LLAMA_SERVER}`, () => undefined);
  });
}

describeWithLlamaServer("greedy outputs at 64 tokens: dhi = llama-server /infill", (bin) => {
  // Plain decoding, and with prompt-lookup drafting (what "auto" runs where `dhi setup` measured it faster).
  const engines = {
    plain: new LlamaEngine({ model: testSettings({ flashAttention: false }).model, logger: quietLogger, fimLayout: "psm", cacheReuse: 0, speculation: { completionLookup: false } }),
    "prompt lookup": new LlamaEngine({ model: testSettings({ flashAttention: false }).model, logger: quietLogger, fimLayout: "psm", cacheReuse: 0, speculation: { completionLookup: true } }),
  };
  let server: LlamaServer;

  beforeAll(async () => {
    server = await startLlamaServer(bin, FIM_MODEL, ["-t", "1", "-tb", "1", "-c", "2048", "-np", "1", "-fa", "off", "-n", String(MAX_TOKENS)]);
    for (const engine of Object.values(engines)) await engine.load();
  }, 60_000);

  afterAll(async () => {
    server?.stop();
    for (const engine of Object.values(engines)) await engine.dispose();
  });

  it("every request of the typing sessions generates llama-server's text, with and without drafting", async () => {
    const differences: string[] = [];
    let reusedByBoth = 0;
    let accepted = 0;
    for (const c of cases()) {
      const theirs = await llamaServerInfill(server, c.prefix, c.suffix, MAX_TOKENS);
      for (const [name, engine] of Object.entries(engines)) {
        const ours = await engine.infill({ cursor: Cursor.between(c.prefix, c.suffix), maxTokens: MAX_TOKENS });
        if (ours.text !== theirs.text) differences.push(`${c.name} (${name}):\n  dhi          ${JSON.stringify(ours.text)}\n  llama-server ${JSON.stringify(theirs.text)}`);
        if (name === "plain" && ours.tokens.reused > 0 && theirs.evaluated < ours.tokens.prompt) reusedByBoth++;
        accepted += ours.speculation.accepted;
      }
    }
    expect(differences).toEqual([]);
    // Both sides answered keystrokes from their caches: the check covers KV reuse, not only fresh evaluations.
    expect(reusedByBoth).toBeGreaterThan(KEYSTROKES);
    // Drafted tokens were confirmed, so the passes that carried them are part of what matched.
    expect(accepted).toBeGreaterThan(0);
  }, 180_000);
});
