import { describe, expect, it } from "vitest";
import { resolveSettings } from "../../server/config/resolveSettings.js";
import { defaultSettings } from "../../server/config/schema.js";

describe("resolveSettings", () => {
  it("gives the contract's defaults with no layers", () => {
    const { settings, warnings, errors } = resolveSettings([], {});
    expect(settings).toEqual(defaultSettings());
    expect(settings.completion.contextTokens).toEqual({ prefix: 1024, suffix: 512, retrieved: 1024 });
    expect(settings.agent.protectedPaths).toEqual([".git/**", ".env*", ".github/**", ".ci/**"]);
    expect(settings.sandbox).toMatchObject({ backend: "docker", timeoutMs: 60000, memoryMb: 1024, network: false });
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("lets a later layer win, key by key", () => {
    const { settings } = resolveSettings(
      [
        { source: ".dhi.json", values: { completion: { maxTokens: 64, debounceMs: 10 } } },
        { source: "initializationOptions", values: { completion: { maxTokens: 32 } } },
        { source: "workspace/configuration", values: { completion: { contextTokens: { prefix: 99 } } } },
      ],
      {},
    );
    expect(settings.completion.maxTokens).toBe(32);
    expect(settings.completion.debounceMs).toBe(10);
    expect(settings.completion.contextTokens).toEqual({ prefix: 99, suffix: 512, retrieved: 1024 });
  });

  it("lets environment variables override every layer", () => {
    const { settings } = resolveSettings([{ source: "x", values: { model: { path: "/a.gguf" }, sandbox: { backend: "docker" } } }], {
      DHI_MODEL: "/b.gguf",
      DHI_DRAFT_MODEL: "/d.gguf",
      DHI_EMBED_MODEL: "/embed",
      DHI_SANDBOX: "bwrap",
    });
    expect(settings.model.path).toBe("/b.gguf");
    expect(settings.model.draftPath).toBe("/d.gguf");
    expect(settings.index.embeddingModel).toBe("/embed");
    expect(settings.sandbox.backend).toBe("bwrap");
  });

  it("names a wrongly typed key in one message and keeps its default", () => {
    const { settings, errors } = resolveSettings([{ source: "x", values: { completion: { maxTokens: "many", debounceMs: 5 } } }], {});
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"completion.maxTokens"');
    expect(settings.completion.maxTokens).toBe(128);
    expect(settings.completion.debounceMs).toBe(5);
  });

  it("model.flashAttention takes auto or a boolean, and names itself when wrong", () => {
    expect(resolveSettings([], {}).settings.model.flashAttention).toBe("auto");
    expect(resolveSettings([{ source: "x", values: { model: { flashAttention: false } } }], {}).settings.model.flashAttention).toBe(false);
    const { errors, settings } = resolveSettings([{ source: "x", values: { model: { flashAttention: "fast" } } }], {});
    expect(errors[0]).toContain('"model.flashAttention"');
    expect(settings.model.flashAttention).toBe("auto");
  });

  it("warns about unknown keys with their source", () => {
    const { warnings, settings } = resolveSettings([{ source: ".dhi.json", values: { modle: {}, completion: { maxTokns: 3 } } }], {});
    expect(warnings).toEqual([
      'dhi: unknown setting "modle" in .dhi.json; ignoring it',
      'dhi: unknown setting "completion.maxTokns" in .dhi.json; ignoring it',
    ]);
    expect(settings).toEqual(defaultSettings());
  });

  it("rejects an invalid environment value by naming the key it overrides", () => {
    const { settings, errors } = resolveSettings([], { DHI_SANDBOX: "chroot" });
    expect(errors[0]).toContain('"sandbox.backend"');
    expect(settings.sandbox.backend).toBe("docker");
  });

  it("refuses a layer that is not an object", () => {
    const { errors } = resolveSettings([{ source: "initializationOptions", values: [1, 2] }], {});
    expect(errors[0]).toContain("initializationOptions must be a JSON object");
  });

  it("a user action with an unknown placeholder is one error naming it; the other actions stay", () => {
    const custom = [
      { title: "Summarize", prompt: "Summarize {selection} from {file} ({language}) as JSON like {\"a\": 1}" },
      { title: "Broken", prompt: "Do {selction} please" },
      { title: "Port", prompt: "Port to {instruction}: {selection}", result: "replace" },
      "not an action",
    ];
    const { settings, errors } = resolveSettings([{ source: ".dhi.json", values: { actions: { custom } } }], {});
    expect(settings.actions.custom.map((a) => a.title)).toEqual(["Summarize", "Port"]);
    expect(settings.actions.custom.map((a) => a.result)).toEqual(["window", "replace"]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe(
      'dhi: setting "actions.custom.1.prompt" is invalid: unknown placeholder {selction} (the placeholders are {selection}, {file}, {language}, {instruction}) (got "Do {selction} please"); ignoring that entry',
    );
    expect(errors[1]).toMatch(/^dhi: setting "actions\.custom\.2" is invalid: .*ignoring that entry$/);
  });
});
