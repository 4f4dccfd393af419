import { z } from "zod";
import { PROMPT_PLACEHOLDERS, unknownPlaceholders } from "./promptTemplate.js";

// One schema for every setting in the contract; `SettingsSchema.parse({})` gives the defaults.
// `.strict()` is not used: unknown keys are reported as warnings by validateSettings, not rejected.

export const ModelSettingsSchema = z.object({
  /** `hf:` URI or a path to a GGUF file. Defaults to none: completions explain how to configure one. */
  path: z.string().nullable().default(null),
  /** Draft model for speculative decoding; shares the target's tokenizer. */
  draftPath: z.string().nullable().default(null),
  contextSize: z.number().int().min(256).max(1_048_576).default(8192),
  /** 0 = physical cores. node-llama-cpp's own default (4) collapses on 2-core machines. */
  threads: z.number().int().min(0).max(1024).default(0),
  gpuLayers: z.union([z.literal("auto"), z.literal("max"), z.number().int().min(0)]).default("auto"),
  /** FIM template name, or "auto" to read the tokens from the GGUF. */
  template: z.string().default("auto"),
  /**
   * Extension: llama.cpp flash attention. "auto" lets llama.cpp decide, except on node-llama-cpp's prebuilt CPU
   * binaries, where it is turned off: measured there, it made generation about 3x slower (bench/inference.mjs).
   */
  flashAttention: z.union([z.literal("auto"), z.boolean()]).default("auto"),
  /** Extension: speculative decoding switches (a draft model needs `draftPath`). */
  speculation: z
    .object({
      draft: z.boolean().default(true),
      /** Draft tokens below this probability end a draft run. */
      draftMinConfidence: z.number().min(0).max(1).default(0.3),
      draftMaxTokens: z.number().int().min(1).max(64).default(8),
      /** Prompt lookup for input-grounded generation (rewrites, agent edits). */
      promptLookup: z.boolean().default(true),
      lookupMaxTokens: z.number().int().min(1).max(64).default(16),
      /**
       * Prompt lookup for completions when no draft model runs: the same tokens, fewer but longer model passes.
       * "auto" follows what `dhi setup` measured for this model, build and CPU, and is off without a measurement.
       */
      completionLookup: z.union([z.literal("auto"), z.boolean()]).default("auto"),
      /** Longest prompt-lookup run per pass in a completion: 2 was the fastest on the test model (bench/README). */
      completionLookupMaxTokens: z.number().int().min(1).max(64).default(2),
    })
    .default({ draft: true, draftMinConfidence: 0.3, draftMaxTokens: 8, promptLookup: true, lookupMaxTokens: 16, completionLookup: "auto", completionLookupMaxTokens: 2 }),
});

export const BackendSettingsSchema = z.object({
  type: z.enum(["embedded", "openai", "ollama"]).default("embedded"),
  /** For "ollama", defaults to http://127.0.0.1:11434. */
  url: z.string().nullable().default(null),
  apiKey: z.string().nullable().default(null),
  model: z.string().nullable().default(null),
  /** Extension ("ollama"): how long Ollama keeps the model loaded after a request ("30m", seconds, -1 = forever, null = Ollama's default). */
  keepAlive: z.union([z.string(), z.number()]).nullable().default("30m"),
});

// Upper bounds on every limit: a value past them is a mistake or a repository trying to loosen dhi's guards.
export const ContextTokensSchema = z.object({
  prefix: z.number().int().min(0).max(131_072).default(1024),
  suffix: z.number().int().min(0).max(131_072).default(512),
  retrieved: z.number().int().min(0).max(131_072).default(1024),
});

export const CompletionSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  maxTokens: z.number().int().min(1).max(4096).default(128),
  multiline: z.union([z.literal("auto"), z.boolean()]).default("auto"),
  debounceMs: z.number().int().min(0).max(5000).default(0),
  responseBudgetMs: z.number().int().min(0).max(60_000).default(300),
  contextTokens: ContextTokensSchema.default(ContextTokensSchema.parse({})),
  /** Extension: how many candidates to sample; the best that parses wins. */
  candidates: z.number().int().min(1).max(8).default(1),
  /**
   * How many distinct suggestions inline completion returns (to cycle through); each is post-processed and
   * verified. More than `candidates` samples that many. Bounded: each one is a model run.
   */
  suggestions: z.number().int().min(1).max(5).default(1),
  /** Extension: FIM prompt layout; "auto" picks psm-line (typing re-evaluates only the cursor line). */
  fimLayout: z.enum(["auto", "psm", "psm-line", "psm-block", "spm"]).default("auto"),
});

export const IndexSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  embeddingModel: z.string().default("default"),
  exclude: z.array(z.string()).max(1000).default([]),
  /** At most 10 MB: larger files are data, and reading them would stall indexing and completion. */
  maxFileBytes: z.number().int().min(1).max(10_000_000).default(1_000_000),
});

export const SandboxSettingsSchema = z.object({
  backend: z.enum(["docker", "bwrap", "none"]).default("docker"),
  image: z.string().nullable().default(null),
  testCommand: z.string().nullable().default(null),
  /** At most 30 minutes. */
  timeoutMs: z.number().int().min(100).max(1_800_000).default(60_000),
  /** At most 16 GB. */
  memoryMb: z.number().int().min(16).max(16_384).default(1024),
  network: z.boolean().default(false),
});

/** Extension: a user-defined code action, listed beside the built-in five. */
export const CustomActionSchema = z.object({
  /** Shown as `dhi: <title>`. */
  title: z.string().trim().min(1),
  /** The request to the model, with {selection}, {file}, {language} and {instruction} filled in. */
  prompt: z
    .string()
    .min(1)
    .superRefine((prompt, ctx) => {
      const unknown = unknownPlaceholders(prompt);
      if (unknown.length > 0) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `unknown placeholder ${unknown.join(", ")} (the placeholders are ${PROMPT_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`,
        });
      }
    }),
  /** "replace": the answer's code replaces the selection (parse-checked); "window": the answer opens in a window. */
  result: z.enum(["replace", "window"]).default("window"),
});

/** Extension: code actions on a selection. */
export const ActionsSettingsSchema = z.object({
  /** Candidates tried in turn (greedy first, then seeded samples) until one parses. */
  candidates: z.number().int().min(1).max(8).default(1),
  custom: z.array(CustomActionSchema).default([]),
});

export const AgentSettingsSchema = z.object({
  maxIterations: z.number().int().min(1).max(20).default(3),
  candidates: z.number().int().min(1).max(8).default(3),
  protectedPaths: z.array(z.string()).max(1000).default([".git/**", ".env*", ".github/**", ".ci/**"]),
});

export const SettingsSchema = z.object({
  model: ModelSettingsSchema.default(ModelSettingsSchema.parse({})),
  backend: BackendSettingsSchema.default(BackendSettingsSchema.parse({})),
  completion: CompletionSettingsSchema.default(CompletionSettingsSchema.parse({})),
  index: IndexSettingsSchema.default(IndexSettingsSchema.parse({})),
  sandbox: SandboxSettingsSchema.default(SandboxSettingsSchema.parse({})),
  agent: AgentSettingsSchema.default(AgentSettingsSchema.parse({})),
  actions: ActionsSettingsSchema.default(ActionsSettingsSchema.parse({})),
});

export type Settings = z.infer<typeof SettingsSchema>;
export type ModelSettings = z.infer<typeof ModelSettingsSchema>;
export type BackendSettings = z.infer<typeof BackendSettingsSchema>;
export type CompletionSettings = z.infer<typeof CompletionSettingsSchema>;
export type IndexSettings = z.infer<typeof IndexSettingsSchema>;
export type SandboxSettings = z.infer<typeof SandboxSettingsSchema>;
export type AgentSettings = z.infer<typeof AgentSettingsSchema>;
export type ActionsSettings = z.infer<typeof ActionsSettingsSchema>;
export type CustomAction = z.infer<typeof CustomActionSchema>;

export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}
