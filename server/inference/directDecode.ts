import type { LlamaContextSequence, Token } from "node-llama-cpp";

// Greedy decoding straight through node-llama-cpp's native context, one decode and one sample per step (one sample per
// verified position when the step carries drafted tokens).
// node-llama-cpp's evaluate() spends 0.35-0.7 ms per token around the same two native calls (locks, the sampler's
// configuration, its multi-sequence batch queue, checkpoints), this loop about 0.25 ms (npm run bench:token-loop):
// on a 4M-parameter FIM model a token takes about 1 ms. This is the only module that reaches into node-llama-cpp's
// internals (pinned to an exact version in package.json). It checks their shape when it opens and before every
// step, keeps the sequence's own bookkeeping (its token list and next position) exactly as evaluate() would, and
// declines, leaving the caller on evaluate(), whenever a step needs anything it does not do: another sequence in
// the context, a token predictor, checkpoints, a context shift or a batch queued by node-llama-cpp itself.

interface NativeContext {
  initBatch(size: number): void;
  addToBatch(sequenceId: number, firstTokenSequenceIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
  sampleToken(batchLogitIndex: number, sampler: NativeSampler): Promise<number>;
  setThreads(threads: number): void;
  removeTokenCellsFromSequence(sequenceId: number, startPos: number, endPos: number): boolean;
}

interface NativeSampler {
  applyConfig(config: { temperature: number }): void;
  dispose(): void;
}

interface ThreadAllocation {
  getAllocationToConsume(): [number, { dispose(): void }] | Promise<[number, { dispose(): void }] | undefined>;
}

interface ContextInternals {
  _ctx: NativeContext;
  _llama: { _bindings: { AddonSampler: new (model: unknown) => NativeSampler } };
  _queuedDecodes: unknown[];
  _batchDispatchPending: boolean;
  _threadSplitterConsumer?: ThreadAllocation;
  _reserveThreads(): void;
  _scheduleToFreeReservedThreads(): void;
  readonly totalSequences: number;
  readonly contextSize: number;
  readonly batchSize: number;
  readonly disposed: boolean;
}

interface SequenceInternals {
  _sequenceId: number;
  _nextTokenIndex: number;
  _contextTokens: Token[];
  _loadedTokenPredictions: unknown[];
  _context: ContextInternals;
  readonly model: { _model: unknown };
  readonly needsCheckpoints: boolean;
  readonly tokenPredictor: unknown;
  readonly disposed: boolean;
}

export interface GreedyDecoder {
  /**
   * Evaluates `tokens` at the end of the sequence and returns the model's greedy next token after each of the last
   * `outputs` of them (default 1: after the last token only), or `null`, having evaluated nothing, when this step
   * needs node-llama-cpp's own path (see `canStep`).
   */
  next(tokens: readonly Token[], outputs?: number): Promise<Token[] | null>;
  /**
   * Takes the last `count` evaluated tokens out of the sequence (drafts its model refuted), as
   * eraseContextTokenRanges() would at the end; `false`, having changed nothing, when llama.cpp cannot.
   */
  discard(count: number): boolean;
  /** Time awaiting the native decode and sampler so far, each including its round trip to the worker thread. */
  readonly waits: { decodeMs: number; sampleMs: number };
  dispose(): void;
}

const isFunction = (value: unknown): boolean => typeof value === "function";

/** Positions sampled at once: libuv's default worker pool. */
const SAMPLERS = 4;

/** The internals this module uses, as they are in the pinned node-llama-cpp; `null` when any is missing. */
function internalsOf(sequence: LlamaContextSequence): SequenceInternals | null {
  const seq = sequence as unknown as Partial<SequenceInternals>;
  const context = seq._context as Partial<ContextInternals> | undefined;
  const native = context?._ctx as Partial<NativeContext> | undefined;
  const ok =
    typeof seq._sequenceId === "number" &&
    typeof seq._nextTokenIndex === "number" &&
    Array.isArray(seq._contextTokens) &&
    Array.isArray(seq._loadedTokenPredictions) &&
    seq.model?._model != null &&
    context != null &&
    Array.isArray(context._queuedDecodes) &&
    typeof context._batchDispatchPending === "boolean" &&
    isFunction(context._reserveThreads) &&
    isFunction(context._scheduleToFreeReservedThreads) &&
    isFunction(context._llama?._bindings?.AddonSampler) &&
    native != null &&
    isFunction(native.initBatch) &&
    isFunction(native.addToBatch) &&
    isFunction(native.decodeBatch) &&
    isFunction(native.sampleToken) &&
    isFunction(native.setThreads) &&
    isFunction(native.removeTokenCellsFromSequence);
  return ok ? (seq as SequenceInternals) : null;
}

/** A greedy decoder for `sequence`, or `null` when node-llama-cpp's internals are not the ones this module knows. */
export function openGreedyDecoder(sequence: LlamaContextSequence): GreedyDecoder | null {
  const seq = internalsOf(sequence);
  if (!seq || seq._context.totalSequences !== 1) return null;
  const context = seq._context;
  // Up to SAMPLERS positions of a step are sampled at once on the worker threads, each with its own sampler (a sampler
  // holds a candidates buffer the size of the vocabulary, so two samples must not share one, and a sampler per
  // drafted position would hold many). Temperature 0 is llama.cpp's greedy sampler, the one evaluate() configures.
  const samplers: NativeSampler[] = [];
  const samplerAt = (index: number): NativeSampler => {
    for (let i = samplers.length; i <= index; i++) {
      const sampler = new context._llama._bindings.AddonSampler(seq.model._model);
      sampler.applyConfig({ temperature: 0 });
      samplers.push(sampler);
    }
    return samplers[index] as NativeSampler;
  };
  let disposed = false;
  const waits = { decodeMs: 0, sampleMs: 0 };

  const canStep = (count: number): boolean =>
    !disposed &&
    !seq.disposed &&
    !context.disposed &&
    seq.tokenPredictor == null &&
    seq._loadedTokenPredictions.length === 0 &&
    !seq.needsCheckpoints &&
    context._queuedDecodes.length === 0 &&
    !context._batchDispatchPending &&
    count > 0 &&
    count <= context.batchSize &&
    // evaluate() shifts the context when it fills; leave that to it.
    seq._nextTokenIndex + count < context.contextSize - 1;

  return {
    waits,
    async next(tokens, outputs = 1) {
      const count = tokens.length;
      if (!canStep(count) || outputs < 1 || outputs > count) return null;
      // Threads as node-llama-cpp's dispatcher takes them, a share of llama's thread budget (so a chat generation in
      // another context meanwhile does not oversubscribe the cores), reserved around the step as it does: a share
      // handed back after the context released its reservation would leak a thread from the budget.
      context._reserveThreads();
      const native = context._ctx;
      let logitIndexes: Uint32Array;
      try {
        const allocation = await context._threadSplitterConsumer?.getAllocationToConsume();
        try {
          if (!canStep(count)) return null; // the wait for threads let other work in
          if (allocation) native.setThreads(allocation[0]);
          native.initBatch(count);
          const first = seq._nextTokenIndex;
          const wanted = Uint32Array.from({ length: outputs }, (_, i) => count - outputs + i);
          logitIndexes = native.addToBatch(seq._sequenceId, first, Uint32Array.from(tokens), wanted);
          const dispatched = performance.now();
          await native.decodeBatch();
          waits.decodeMs += performance.now() - dispatched;
          seq._nextTokenIndex = first + count;
          for (const token of tokens) seq._contextTokens.push(token);
        } finally {
          allocation?.[1].dispose();
        }
      } finally {
        context._scheduleToFreeReservedThreads();
      }
      const sampling = performance.now();
      const sampled: number[] = [];
      for (let from = 0; from < logitIndexes.length; from += SAMPLERS) {
        const wave = Array.from(logitIndexes.subarray(from, from + SAMPLERS), (logitIndex, i) => native.sampleToken(logitIndex, samplerAt(i)));
        sampled.push(...(await Promise.all(wave)));
      }
      waits.sampleMs += performance.now() - sampling;
      if (sampled.length !== outputs || sampled.some((token) => token < 0)) throw new Error("llama.cpp failed to sample the next token");
      return sampled as Token[];
    },
    discard(count) {
      const end = seq._nextTokenIndex;
      const start = end - count;
      if (count <= 0) return true;
      if (disposed || seq.disposed || context.disposed || start < 0 || seq._contextTokens.length !== end) return false;
      if (!context._ctx.removeTokenCellsFromSequence(seq._sequenceId, start, end)) return false;
      seq._contextTokens.length = start;
      seq._nextTokenIndex = start;
      return true;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const sampler of samplers) sampler.dispose();
    },
  };
}
