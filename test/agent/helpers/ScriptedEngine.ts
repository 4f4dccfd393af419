import type { CompleteRequest, GenerationResult, InferenceEngine, InfillRequest, ModelInfo } from "../../../server/inference/types.js";
import { AbortError } from "../../../server/util/abort.js";

// The only test double in the agent's tests: a scripted model. Everything else (syntax, sandbox, SQLite) is real.

export type PromptKind = "intent" | "plan" | "generate";

export interface ScriptedCall {
  kind: PromptKind;
  request: CompleteRequest;
  /** The user message text, for assertions about what reached the prompt. */
  prompt: string;
}

/** Answers one request; return a string (the model's text) or throw to simulate a failing model. */
export type Script = (call: ScriptedCall, history: readonly ScriptedCall[]) => string | Promise<string>;

export function kindOf(request: CompleteRequest): PromptKind {
  const properties = (request.jsonSchema?.properties ?? {}) as Record<string, unknown>;
  if ("intent" in properties) return "intent";
  if ("steps" in properties) return "plan";
  return "generate";
}

export class ScriptedEngine implements InferenceEngine {
  readonly calls: ScriptedCall[] = [];
  readonly stats = { infillCalls: 0, completeCalls: 0 };
  loaded = false;

  constructor(private readonly script: Script, private readonly contextSize = 8192) {}

  async load(): Promise<ModelInfo> {
    this.loaded = true;
    return { name: "scripted", contextSize: this.contextSize, fim: null, chatTemplate: "scripted", backend: "embedded" };
  }

  async complete(request: CompleteRequest): Promise<GenerationResult> {
    if (request.signal?.aborted) throw new AbortError();
    this.stats.completeCalls++;
    const call: ScriptedCall = { kind: kindOf(request), request, prompt: request.messages.map((m) => m.text).join("\n\n") };
    this.calls.push(call);
    const text = await this.script(call, this.calls);
    if (request.signal?.aborted) throw new AbortError();
    return {
      text,
      stopReason: "eos",
      tokens: { prompt: 0, evaluated: 0, reused: 0, generated: text.length },
      timings: { loadMs: 0, promptMs: 0, generateMs: 0, totalMs: 0 },
      speculation: { kind: "none", drafted: 0, accepted: 0, refuted: 0, targetPasses: 0 },
    };
  }

  async infill(_request: InfillRequest): Promise<GenerationResult> {
    throw new Error("the agent does not use infill");
  }

  async tokenize(text: string): Promise<number[]> {
    return [...text].map((c) => c.charCodeAt(0));
  }

  async countTokens(text: string): Promise<number> {
    return Math.ceil(text.length / 4);
  }

  async dispose(): Promise<void> {}
}

/** The `{"steps": [...]}` answer picking the listed locations whose line mentions each symbol. */
export function pickSteps(prompt: string, symbols: string[]): string {
  const ids: string[] = [];
  for (const symbol of symbols) {
    const line = prompt.split("\n").find((l) => new RegExp(`^\\d+: .* ${symbol}\\b`).test(l));
    const id = line?.match(/^(\d+):/)?.[1];
    if (id !== undefined) ids.push(id);
  }
  return JSON.stringify({ steps: ids });
}

/** Which symbol a generate prompt asks for (from the system message). */
export function targetSymbol(call: ScriptedCall): string | null {
  return call.request.messages[0]?.text.match(/one code unit: `([^`]+)`/)?.[1] ?? null;
}

export const fenced = (code: string) => "```js\n" + code + "\n```";
