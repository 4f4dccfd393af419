import { copyFileSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelSettingsSchema } from "../../server/config/schema.js";
import { cpuName } from "../../server/inference/draftMeasurement.js";
import { readFlashAttentionMeasurement, writeFlashAttentionMeasurement, type FlashAttentionMeasurement } from "../../server/inference/flashAttentionChoice.js";
import { LlamaEngine } from "../../server/inference/LlamaEngine.js";
import { resolveFlashAttention } from "../../server/inference/loadLlama.js";
import { measureFlashAttention } from "../../server/inference/measureFlashAttention.js";
import { Logger } from "../../server/util/logger.js";
import { modelCacheDir } from "../../server/util/paths.js";
import { Cursor } from "../../server/text/Cursor.js";
import { FIM_MODEL } from "../helpers/paths.js";

// "model.flashAttention": "auto" on the CPU follows what `dhi setup` measured for this model file, llama.cpp
// build and CPU. The measurement itself runs the real engine on the tiny model.

function measurement(model: string, over: Partial<FlashAttentionMeasurement> = {}): FlashAttentionMeasurement {
  return { model, bytes: 0, build: "localBuild", onMs: 10, offMs: 5, faster: "off", cpu: cpuName(), measuredAt: "2026-12-04T00:00:00Z", ...over };
}

function modelCopy(): { path: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), "dhi-fa-"));
  const path = join(dir, "model.gguf");
  copyFileSync(FIM_MODEL, path);
  return { path, env: { DHI_CACHE_DIR: join(dir, "cache") } };
}

describe("flash attention: measured, then followed by auto", () => {
  it("auto on the CPU follows the measurement; without one it defers, except on a prebuilt binary; GPUs and explicit settings ignore it", () => {
    const cpu = { gpu: false as const, buildType: "localBuild" as const };
    expect(resolveFlashAttention("auto", cpu, "off")).toBe(false);
    expect(resolveFlashAttention("auto", cpu, "on")).toBe(true);
    expect(resolveFlashAttention("auto", cpu, null)).toBe("auto");
    expect(resolveFlashAttention("auto", { gpu: false, buildType: "prebuilt" }, null)).toBe(false);
    expect(resolveFlashAttention("auto", { gpu: false, buildType: "prebuilt" }, "on")).toBe(true);
    expect(resolveFlashAttention("auto", { gpu: "cuda", buildType: "localBuild" }, "off")).toBe("auto");
    expect(resolveFlashAttention(true, cpu, "off")).toBe(true);
    expect(resolveFlashAttention(false, cpu, "on")).toBe(false);
  });

  it("a measurement counts only for the same file (path and size), build and CPU; others are kept beside it", () => {
    const { path, env } = modelCopy();
    expect(readFlashAttentionMeasurement(path, "localBuild", env)).toBeNull();
    const bytes = statSync(path).size;
    writeFlashAttentionMeasurement(measurement(path, { bytes }), env);
    writeFlashAttentionMeasurement(measurement("/elsewhere/other.gguf", { bytes: 4, faster: "on" }), env);
    expect(readFlashAttentionMeasurement(path, "localBuild", env)?.faster).toBe("off");
    expect(readFlashAttentionMeasurement(path, "prebuilt", env)).toBeNull();
    writeFlashAttentionMeasurement(measurement(path, { bytes, cpu: "another CPU x64" }), env);
    expect(readFlashAttentionMeasurement(path, "localBuild", env)?.faster, "another CPU's entry must not replace or answer for this one").toBe("off");
    // The file changed (another model under the same name): the old measurement no longer applies.
    writeFileSync(path, "not the model any more");
    expect(readFlashAttentionMeasurement(path, "localBuild", env)).toBeNull();
  });

  it("an unreadable measurement file is no measurement", () => {
    const { path, env } = modelCopy();
    writeFlashAttentionMeasurement(measurement(path, { bytes: statSync(path).size }), env);
    expect(readFlashAttentionMeasurement(path, "localBuild", env)).not.toBeNull();
    writeFileSync(join(modelCacheDir(env), "flash-attention.json"), "{ torn");
    expect(readFlashAttentionMeasurement(path, "localBuild", env)).toBeNull();
  });

  it("measures the real model both ways, and the engine then loads with the faster setting", async () => {
    const { path, env } = modelCopy();
    const result = await measureFlashAttention(path, { threads: 1 });
    expect(result.onMs, JSON.stringify(result)).toBeGreaterThan(0);
    expect(result.offMs, JSON.stringify(result)).toBeGreaterThan(0);
    expect(result.faster).toBe(result.onMs < result.offMs ? "on" : "off");
    // Prompt-lookup drafting, measured the same way after flash attention.
    const lookup = result.completionLookup;
    expect(lookup?.onMs, JSON.stringify(result)).toBeGreaterThan(0);
    expect(lookup?.offMs, JSON.stringify(result)).toBeGreaterThan(0);
    expect(lookup?.faster).toBe((lookup?.onMs ?? 0) < (lookup?.offMs ?? 0) ? "on" : "off");
    writeFlashAttentionMeasurement(result, env);
    for (const faster of ["off", "on"] as const) {
      writeFlashAttentionMeasurement({ ...result, faster }, env);
      const engine = new LlamaEngine({ model: ModelSettingsSchema.parse({ path, threads: 1, contextSize: 512 }), logger: new Logger("error"), env });
      try {
        const info = await engine.load();
        expect(info.llamaBuild).toBe(result.build);
        expect(info.flashAttention, `measured ${faster}`).toBe(faster === "on");
      } finally {
        await engine.dispose();
      }
    }
  }, 120_000);

  it("prompt lookup in completions: \"auto\" follows the measurement and is off without one; explicit settings win", async () => {
    const { path, env } = modelCopy();
    const bytes = statSync(path).size;
    const build = (await loadedBuild(path, env)) ?? "localBuild";
    const kind = async (completionLookup: boolean | "auto"): Promise<string> => {
      const model = ModelSettingsSchema.parse({ path, threads: 1, contextSize: 512 });
      const engine = new LlamaEngine({ model, logger: new Logger("error"), env, speculation: { completionLookup } });
      try {
        return (await engine.infill({ cursor: Cursor.between("def add(a, b):\n    return ", "\n"), maxTokens: 4 })).speculation.kind;
      } finally {
        await engine.dispose();
      }
    };
    expect(await kind("auto"), "no measurement").toBe("none");
    // A measurement from before prompt lookup was measured: flash attention only.
    writeFlashAttentionMeasurement(measurement(path, { bytes, build }), env);
    expect(await kind("auto")).toBe("none");
    for (const faster of ["on", "off"] as const) {
      writeFlashAttentionMeasurement(measurement(path, { bytes, build, completionLookup: { onMs: 4, offMs: 5, faster } }), env);
      expect(await kind("auto"), `measured ${faster}`).toBe(faster === "on" ? "promptLookup" : "none");
      expect(await kind(true)).toBe("promptLookup");
      expect(await kind(false)).toBe("none");
    }
    // A torn lookup part makes the whole record no measurement.
    writeFileSync(join(modelCacheDir(env), "flash-attention.json"), JSON.stringify([measurement(path, { bytes, build, completionLookup: { onMs: 1 } as never })]));
    expect(readFlashAttentionMeasurement(path, build, env)).toBeNull();
  }, 60_000);
});

/** The llama.cpp build an engine loads here ("localBuild" or "prebuilt"): measurements are keyed by it. */
async function loadedBuild(path: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const engine = new LlamaEngine({ model: ModelSettingsSchema.parse({ path, threads: 1, contextSize: 512 }), logger: new Logger("error"), env });
  try {
    return (await engine.load()).llamaBuild;
  } finally {
    await engine.dispose();
  }
}
