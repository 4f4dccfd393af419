import type { GenerationResult, InferenceEngine, InfillRequest, ModelInfo } from "../../server/inference/types.js";
import { AbortError } from "../../server/util/abort.js";
import { Mutex } from "../../server/util/Mutex.js";

/**
 * A scripted engine for request-path timing tests only (cancel, debounce, budget): it "generates" a fixed
 * text one character per `msPerChar`, calling onText like the real engine. Quality tests use the real model.
 */
export class ScriptedEngine implements InferenceEngine {
  readonly stats = { infillCalls: 0, completeCalls: 0 };
  loaded = true;
  /** One generation at a time, like the real engine's one sequence (when `serial`). */
  private readonly lock = new Mutex();
  constructor(private readonly output: (request: InfillRequest) => string, private readonly msPerChar = 0, private readonly serial = false) {}

  async load(): Promise<ModelInfo> {
    return { name: "scripted", contextSize: 4096, fim: { name: "starcoder", repoLevel: true }, chatTemplate: null, backend: "embedded" };
  }

  async infill(request: InfillRequest): Promise<GenerationResult> {
    return this.serial ? this.lock.run(request.signal, () => this.generate(request)) : this.generate(request);
  }

  private async generate(request: InfillRequest): Promise<GenerationResult> {
    this.stats.infillCalls++;
    const full = this.output(request);
    let text = "";
    let stopReason: GenerationResult["stopReason"] = "eos";
    for (const ch of full) {
      if (this.msPerChar > 0) await new Promise((resolve) => setTimeout(resolve, this.msPerChar));
      if (request.signal?.aborted) throw new AbortError();
      text += ch;
      if (request.onText?.(text) === "stop") {
        stopReason = "stop";
        break;
      }
    }
    return {
      text, stopReason,
      tokens: { prompt: 10, evaluated: 10, reused: 0, generated: text.length },
      timings: { loadMs: 0, promptMs: 0, generateMs: 0, totalMs: 0 },
      speculation: { kind: "none", drafted: 0, accepted: 0, refuted: 0, targetPasses: text.length },
    };
  }

  async complete(): Promise<GenerationResult> {
    throw new Error("not scripted");
  }

  async tokenize(text: string): Promise<number[]> {
    return Array.from({ length: Math.ceil(text.length / 3) }, (_, i) => i);
  }

  async countTokens(text: string): Promise<number> {
    return Math.ceil(text.length / 3);
  }

  async dispose(): Promise<void> {}
}
