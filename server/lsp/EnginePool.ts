import { isDeepStrictEqual } from "node:util";
import type { Settings } from "../config/schema.js";
import type { InferenceEngine } from "../inference/types.js";

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

  constructor(private readonly create: (settings: Settings) => InferenceEngine) {}

  acquire(settings: Settings): EngineLease {
    const key = keyOf(settings);
    let entry = this.entries.find((e) => isDeepStrictEqual(e.key, key));
    if (!entry) {
      entry = { key, engine: this.create(settings), users: 0 };
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
