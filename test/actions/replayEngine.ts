import type { CompleteRequest, GenerationResult, InferenceEngine } from "../../server/inference/types.js";

export interface RecordedCall {
  text: string;
  stopReason?: GenerationResult["stopReason"];
}

/** An InferenceEngine that answers complete() with recorded outputs, in order, and keeps the requests. */
export class ReplayEngine implements InferenceEngine {
  readonly requests: CompleteRequest[] = [];
  readonly stats = { infillCalls: 0, completeCalls: 0 };
  loaded = true;

  constructor(private readonly outputs: readonly RecordedCall[]) {}

  async load() {
    return { name: "replay", contextSize: 2048, fim: null, chatTemplate: null, backend: "embedded" as const };
  }

  async infill(): Promise<GenerationResult> {
    throw new Error("replay engine: infill is not recorded");
  }

  async complete(request: CompleteRequest): Promise<GenerationResult> {
    const output = this.outputs[this.stats.completeCalls];
    this.stats.completeCalls++;
    this.requests.push(request);
    if (!output) throw new Error(`replay engine: no recorded output for call ${this.stats.completeCalls}`);
    return {
      text: output.text,
      stopReason: output.stopReason ?? "eos",
      tokens: { prompt: 0, evaluated: 0, reused: 0, generated: 1 },
      timings: { loadMs: 0, promptMs: 0, generateMs: 0, totalMs: 0 },
      speculation: { kind: "none", drafted: 0, accepted: 0, refuted: 0, targetPasses: 0 },
    };
  }

  async tokenize(text: string): Promise<number[]> {
    return [...text].map((c) => c.charCodeAt(0));
  }

  async countTokens(text: string): Promise<number> {
    return text.length;
  }

  async dispose(): Promise<void> {}
}
