import type { ChatMessage, GenerationResult, JsonSchema } from "../inference/types.js";
import { checkSyntax, languageOf, type LanguageName, type ParseCheck } from "../syntax/index.js";
import { throwIfAborted } from "../util/abort.js";
import { applyEdits } from "./edit/minimalEdits.js";
import { hasClosedFence } from "../text/fences.js";
import { ActionRejectedError } from "./errors/ActionRejectedError.js";
import type { ActionEnvironment, EditPlan, FileChange, GenerationReport } from "./types.js";

export type BuildResult = { ok: true; changes: FileChange[] } | { ok: false; reason: string };

export interface VerifiedGenerationOptions {
  env: ActionEnvironment;
  /** What is being made, for progress, logs and errors: "rewrite", "fix", "doc comment"… */
  label: string;
  messages: ChatMessage[];
  maxTokens: number;
  /** Prompt-lookup speculation: right for rewrites, whose output mostly copies the input. */
  inputGrounded?: boolean;
  jsonSchema?: JsonSchema;
  /** Turns the model's text into file changes (extraction, indentation, minimal diff). */
  build(text: string): BuildResult;
  /** Language of a changed file, for the parse check; null skips the check for that file. */
  languageOfUri(uri: string): LanguageName | null;
}

interface Verdict {
  /** Syntax errors the change adds (new file: all its errors). */
  added: number;
  /** The first errors, as `file line N: message` for the retry prompt and the rejection. */
  problems: string[];
}

/**
 * Best-of-N generation with a tree-sitter gate: candidates are generated until one adds no syntax errors
 * (the first is greedy, the others sampled). If none does, the least broken one is retried once with the
 * parser's errors fed back; if that still breaks the file, the action is rejected with those errors.
 */
export async function generateVerified(options: VerifiedGenerationOptions): Promise<EditPlan> {
  const { env, label } = options;
  const report: GenerationReport = { calls: 0, generatedTokens: 0, totalMs: 0, speculation: { kind: "none", drafted: 0, accepted: 0, refuted: 0, targetPasses: 0 } };
  const baselines = new Map<string, ParseCheck>();
  const candidates = Math.max(1, Math.floor(env.candidates));
  let best: { text: string; verdict: Verdict } | null = null;
  let lastFailure = "the model returned no text";

  const run = async (messages: ChatMessage[], attempt: number, what: string): Promise<GenerationResult> => {
    throwIfAborted(env.signal);
    env.onProgress({ message: `${label}: ${what}` });
    const result = await env.engine.complete({
      messages,
      maxTokens: options.maxTokens,
      temperature: attempt === 0 ? 0 : 0.7,
      seed: attempt,
      signal: env.signal,
      inputGrounded: options.inputGrounded,
      jsonSchema: options.jsonSchema,
      // An answer is complete once its fence closes or its JSON object does: stop there, not at maxTokens.
      // A model stuck repeating one line will not recover: stop rather than burn the token budget.
      onText: options.jsonSchema
        ? (text) => (isCompleteJson(text) ? "stop" : undefined)
        : (text) => (hasClosedFence(text) || isDegenerate(text) ? "stop" : undefined),
    });
    record(report, result);
    const s = result.speculation;
    const rate = s.drafted > 0 ? ` (${Math.round((100 * s.accepted) / s.drafted)}%)` : "";
    env.debug(`${label} ${what}: ${result.tokens.generated} tokens in ${Math.round(result.timings.totalMs)} ms, stop ${result.stopReason}, speculation ${s.kind} accepted ${s.accepted}/${s.drafted}${rate}`);
    return result;
  };

  for (let i = 0; i < candidates; i++) {
    const result = await run(options.messages, i, candidates > 1 ? `candidate ${i + 1}/${candidates}` : "generating");
    const built = options.build(result.text);
    if (!built.ok) {
      lastFailure = built.reason;
      env.debug(`${label} candidate ${i + 1} unusable: ${built.reason}`);
      continue;
    }
    const verdict = verify(built.changes, options.languageOfUri, baselines);
    if (verdict.added <= 0) return { changes: built.changes, report };
    env.debug(`${label} candidate ${i + 1} adds ${verdict.added} syntax error(s): ${verdict.problems.join("; ")}`);
    if (!best || verdict.added < best.verdict.added) best = { text: result.text, verdict };
  }
  if (!best) throw new ActionRejectedError(`dhi: the ${label} was rejected: ${lastFailure}`);

  // One retry, with the parser's complaints fed back.
  const feedback: ChatMessage[] = [
    ...options.messages,
    { role: "assistant", text: best.text },
    {
      role: "user",
      text: `That does not parse:\n${best.verdict.problems.map((p) => `- ${p}`).join("\n")}\nFix the syntax errors and answer again in the same format.`,
    },
  ];
  const retry = await run(feedback, 0, "retrying after a parse error");
  const built = options.build(retry.text);
  const verdict = built.ok ? verify(built.changes, options.languageOfUri, baselines) : best.verdict;
  if (built.ok && verdict.added <= 0) return { changes: built.changes, report };
  throw new ActionRejectedError(
    `dhi: the ${label} was rejected because it does not parse, even after a retry with the parser's errors: ${verdict.problems.slice(0, 3).join("; ")}`,
  );
}

function record(report: GenerationReport, result: GenerationResult): void {
  report.calls++;
  report.generatedTokens += result.tokens.generated;
  report.totalMs += result.timings.totalMs;
  const s = result.speculation;
  if (report.speculation.kind === "none") report.speculation.kind = s.kind;
  report.speculation.drafted += s.drafted;
  report.speculation.accepted += s.accepted;
  report.speculation.refuted += s.refuted;
  report.speculation.targetPasses += s.targetPasses;
}

function verify(changes: readonly FileChange[], languageOfUri: (uri: string) => LanguageName | null, baselines: Map<string, ParseCheck>): Verdict {
  let added = 0;
  const problems: string[] = [];
  for (const change of changes) {
    const uri = change.uri ?? change.path;
    const language = languageOfUri(uri);
    if (!language) continue;
    const after = change.after ?? "";
    const check = checkSyntax(after, language);
    let before = 0;
    if (change.kind === "modify") {
      let base = baselines.get(uri);
      if (!base) {
        base = checkSyntax(change.before ?? "", language);
        baselines.set(uri, base);
      }
      before = base.errorCount;
    }
    if (check.errorCount <= before) continue;
    added += check.errorCount - before;
    const lines = after.split("\n");
    const name = uri.split("/").pop() ?? uri;
    for (const e of check.errors.slice(0, 3)) {
      problems.push(`${name} line ${e.line + 1}: ${e.message} in \`${(lines[e.line] ?? "").trim().slice(0, 80)}\``);
    }
  }
  return { added, problems };
}

/** Language of a `file:` URI (or untitled URI with an extension), falling back to the LSP languageId. */
export function languageOfUriWith(documentUri: string, languageId: string): (uri: string) => LanguageName | null {
  return (uri) => (uri === documentUri ? languageOf(uri, languageId) : languageOf(uri));
}

function isCompleteJson(text: string): boolean {
  const trimmed = text.trim();
  if (!trimmed.endsWith("}")) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}

const REPEATED_LINES = 12;
const BLANK_RUN = 6;

/** The tail is one line repeated many times, or a long run of blank lines. */
export function isDegenerate(text: string): boolean {
  if (!text.endsWith("\n")) return false;
  const lines = text.slice(0, -1).split("\n");
  if (lines.length >= BLANK_RUN && lines.slice(-BLANK_RUN).every((l) => l.trim() === "")) return true;
  if (lines.length < REPEATED_LINES) return false;
  const tail = lines.slice(-REPEATED_LINES).map((l) => l.trim());
  return tail[0] !== "" && tail.every((l) => l === tail[0]);
}
