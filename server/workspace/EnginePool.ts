import { isDeepStrictEqual } from "node:util";
import type { Settings } from "../config/schema.js";
import { createInferenceEngine } from "../inference/createEngine.js";
import type { InferenceEngine } from "../inference/types.js";
import type { Logger } from "../util/logger.js";

/** What an engine is built from: folders whose settings agree here can share one. */
type EngineKey = Pick<Settings, "model" | "backend"> & { fimLayout: Settings["completion"]["fimLayout"] };

export interface EngineLease {
  engine: InferenceEngine;
  /** Gives the engine back; the last user disposes it. Idempotent. */
  release(): Promise<void>;
}

function keyOf(settings: Settings): EngineKey {
  return { model: settings.model, backend: settings.backend, fimLayout: settings.completion.fimLayout };
}

/**
 * One inference engine per distinct model configuration, shared by the workspace folders that use it, so a
 * multi-root session loads a 7B model once rather than once per folder. Reference-counted.
 */
export class EnginePool {
  private readonly entries: Array<{ key: EngineKey; engine: InferenceEngine; users: number }> = [];

  /** `logger` and `env` build an engine that no folder holds yet (the server's are the same for every folder). */
  acquire(settings: Settings, logger: Logger, env: NodeJS.ProcessEnv): EngineLease {
    const key = keyOf(settings);
    let entry = this.entries.find((e) => isDeepStrictEqual(e.key, key));
    if (!entry) {
      entry = { key, engine: createInferenceEngine({ settings, logger, env }), users: 0 };
      this.entries.push(entry);
    }
    entry.users++;
    const held = entry;
    let released = false;
    return {
      engine: held.engine,
      release: async () => {
        if (released) return;
        released = true;
        if (--held.users > 0) return;
        this.entries.splice(this.entries.indexOf(held), 1);
        await held.engine.dispose();
      },
    };
  }

  get size(): number {
    return this.entries.length;
  }
}
