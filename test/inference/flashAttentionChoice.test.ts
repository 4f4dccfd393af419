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
});
