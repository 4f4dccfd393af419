import { afterEach, describe, expect, it, vi } from "vitest";
import { assembleContext } from "../../../server/completion/context/assembleContext.js";
import { RecentFiles } from "../../../server/completion/context/RecentFiles.js";
import { TokenCounter } from "../../../server/completion/context/TokenCounter.js";
import { ContextTokensSchema } from "../../../server/config/schema.js";
import type { CodeIndex, RetrievedChunk } from "../../../server/index/types.js";
import { Cursor } from "../../../server/text/Cursor.js";
import { Logger } from "../../../server/util/logger.js";

// How long a prompt waits for retrieval: a keystroke gives up after its limit, a one-shot command (null) waits.
// Fake timers stand in for a slow index, so nothing here depends on the machine's speed.

const CHUNK: RetrievedChunk = {
  chunk: { id: 1, path: "limits.py", startLine: 0, endLine: 0, symbol: "MAX", kind: "block", parent: null, language: "python", text: "MAX = 10\n" },
  reason: "definition",
};

/** Only `retrieve` is reached by assembleContext; it answers after `ms` of (fake) time. */
function slowIndex(ms: number): CodeIndex {
  const retrieve = () => new Promise<RetrievedChunk[]>((resolve) => setTimeout(() => resolve([CHUNK]), ms));
  return { root: "/w", retrieve } as unknown as CodeIndex;
}

function assemble(retrievalTimeoutMs: number | null) {
  return assembleContext({
    uri: "file:///w/main.py",
    path: "main.py",
    cursor: Cursor.at("x = MAX\n", 7),
    budgets: ContextTokensSchema.parse({}),
    contextSize: 4096,
    maxTokens: 32,
    counter: new TokenCounter(async (text) => Math.ceil(text.length / 3)),
    index: slowIndex(200),
    recent: new RecentFiles(),
    logger: new Logger("error"),
    retrievalTimeoutMs,
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("assembleContext's wait for retrieval", () => {
  it("a keystroke's limit (80 ms) goes without a retrieval that takes 200 ms, and says so", async () => {
    vi.useFakeTimers();
    const pending = assemble(80);
    await vi.advanceTimersByTimeAsync(100);
    const context = await pending;
    expect(context.pieces).toContainEqual({ kind: "retrieved", tokens: 0, reason: "skipped: retrieval over 80 ms" });
    expect(context.extraContext).toEqual([]);
  });

  it("null waits for it, however long it takes", async () => {
    vi.useFakeTimers();
    const pending = assemble(null);
    await vi.advanceTimersByTimeAsync(10_000);
    const context = await pending;
    expect(context.pieces.filter((p) => p.kind === "retrieved").map((p) => p.path)).toEqual(["limits.py"]);
  });
});
