import type { LlamaModel, Token } from "node-llama-cpp";
import { FimUnsupportedError } from "./errors.js";

// Named FIM templates, and resolution of a template against a model's real vocabulary. A template's
// special tokens must each be one control token in the vocabulary; otherwise they would be fed as text.

export type FimOrder = "psm" | "spm";

export interface FimTemplate {
  name: string;
  prefix: string;
  suffix: string;
  /** Empty when the format has no middle token (Codestral: `[SUFFIX]…[PREFIX]…` then the middle). */
  middle: string;
  /** The order the model was trained with. */
  order: FimOrder;
  /** Repo-level context tokens, when the family has them. */
  repoName?: string;
  fileSep?: string;
  /** How repo-level context is written. */
  repoStyle?: "starcoder2" | "qwen";
  /** Control tokens that end an infill besides EOG (the model moving on to another file/hole). */
  stopTokens: string[];
}

export const FIM_TEMPLATES: Readonly<Record<string, FimTemplate>> = {
  starcoder: {
    name: "starcoder",
    prefix: "<fim_prefix>",
    suffix: "<fim_suffix>",
    middle: "<fim_middle>",
    order: "psm",
    repoName: "<repo_name>",
    fileSep: "<file_sep>",
    repoStyle: "starcoder2",
    stopTokens: ["<|endoftext|>", "<file_sep>", "<fim_pad>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"],
  },
  "qwen2.5-coder": {
    name: "qwen2.5-coder",
    prefix: "<|fim_prefix|>",
    suffix: "<|fim_suffix|>",
    middle: "<|fim_middle|>",
    order: "psm",
    repoName: "<|repo_name|>",
    fileSep: "<|file_sep|>",
    repoStyle: "qwen",
    stopTokens: ["<|endoftext|>", "<|file_sep|>", "<|fim_pad|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|im_end|>"],
  },
  "deepseek-coder": {
    name: "deepseek-coder",
    prefix: "<｜fim▁begin｜>",
    suffix: "<｜fim▁hole｜>",
    middle: "<｜fim▁end｜>",
    order: "psm",
    stopTokens: ["<｜end▁of▁sentence｜>", "<|EOT|>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"],
  },
  codellama: {
    name: "codellama",
    prefix: "<PRE>",
    suffix: "<SUF>",
    middle: "<MID>",
    order: "psm",
    stopTokens: ["<EOT>"],
  },
  codestral: {
    name: "codestral",
    prefix: "[PREFIX]",
    suffix: "[SUFFIX]",
    middle: "",
    order: "spm",
    stopTokens: ["[PREFIX]", "[SUFFIX]", "[MIDDLE]"],
  },
  codegemma: {
    name: "codegemma",
    prefix: "<|fim_prefix|>",
    suffix: "<|fim_suffix|>",
    middle: "<|fim_middle|>",
    order: "psm",
    stopTokens: ["<|file_separator|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<eos>"],
  },
};

/** Aliases users are likely to type in `model.template`. */
const ALIASES: Readonly<Record<string, string>> = {
  starcoder2: "starcoder",
  "starcoder-2": "starcoder",
  qwen: "qwen2.5-coder",
  "qwen-coder": "qwen2.5-coder",
  qwen25coder: "qwen2.5-coder",
  deepseek: "deepseek-coder",
  "code-llama": "codellama",
  mistral: "codestral",
  gemma: "codegemma",
};

export function lookupFimTemplate(name: string): FimTemplate | undefined {
  const key = name.trim().toLowerCase();
  return FIM_TEMPLATES[key] ?? FIM_TEMPLATES[ALIASES[key] ?? ""];
}

/** A template bound to one model's token ids. */
export interface ResolvedFimTemplate {
  name: string;
  order: FimOrder;
  prefix: Token;
  suffix: Token;
  middle: Token | null;
  repo: { name: Token; fileSep: Token; style: "starcoder2" | "qwen" } | null;
  stopTokens: Set<Token>;
}

/** The vocabulary surface fimTemplates needs; LlamaModel satisfies it. */
export type FimVocab = Pick<LlamaModel, "tokenize" | "getTokenAttributes" | "tokens">;

/** The id of `text` when it is exactly one control (or user-defined special) token, else null. */
export function controlToken(model: FimVocab, text: string): Token | null {
  if (text === "") return null;
  const ids = model.tokenize(text, true);
  if (ids.length !== 1) return null;
  const [id] = ids;
  if (id === undefined) return null;
  const attrs = model.getTokenAttributes(id);
  return attrs.control || attrs.userDefined ? id : null;
}

/**
 * Resolves `model.template` for a model: "auto" reads the GGUF infill tokens (and matches them to a
 * named family for repo-level tokens and stop tokens); a name must exist in the model's vocabulary.
 * Returns null for "auto" on a model without FIM tokens; throws FimUnsupportedError for a named
 * template whose tokens the model lacks.
 */
export function resolveFimTemplate(model: FimVocab, setting: string, modelName: string): ResolvedFimTemplate | null {
  if (setting.trim().toLowerCase() === "auto") {
    const infill = model.tokens.infill;
    if (infill.prefix == null || infill.suffix == null) {
      // Some GGUFs lack the metadata though the vocabulary has a known family's tokens.
      for (const template of Object.values(FIM_TEMPLATES)) {
        const resolved = bindTemplate(model, template);
        if (resolved && template.middle !== "" && resolved.middle != null) return resolved;
      }
      return null;
    }
    const family = Object.values(FIM_TEMPLATES).find(
      (t) => t.prefix === infill.prefixString?.trim() && t.suffix === infill.suffixString?.trim(),
    );
    const base = family ? bindTemplate(model, family) : null;
    const repo = base?.repo ?? detectRepoTokens(model);
    const stopTokens = new Set<Token>(base?.stopTokens ?? []);
    for (const t of [infill.prefix, infill.suffix, infill.middle, repo?.fileSep, repo?.name]) if (t != null) stopTokens.add(t);
    return {
      name: family ? family.name : "gguf",
      order: family?.order ?? "psm",
      prefix: infill.prefix,
      suffix: infill.suffix,
      middle: infill.middle,
      repo,
      stopTokens,
    };
  }
  const template = lookupFimTemplate(setting);
  if (!template) {
    throw new Error(
      `dhi: unknown "model.template" "${setting}"; use "auto" or one of ${Object.keys(FIM_TEMPLATES).join(", ")}`,
    );
  }
  const resolved = bindTemplate(model, template);
  if (!resolved) throw new FimUnsupportedError(`${modelName} (template "${template.name}")`);
  return resolved;
}

function bindTemplate(model: FimVocab, template: FimTemplate): ResolvedFimTemplate | null {
  const prefix = controlToken(model, template.prefix);
  const suffix = controlToken(model, template.suffix);
  const middle = template.middle === "" ? null : controlToken(model, template.middle);
  if (prefix == null || suffix == null || (template.middle !== "" && middle == null)) return null;
  const repoName = template.repoName ? controlToken(model, template.repoName) : null;
  const fileSep = template.fileSep ? controlToken(model, template.fileSep) : null;
  const stopTokens = new Set<Token>();
  for (const text of template.stopTokens) {
    const id = controlToken(model, text);
    if (id != null) stopTokens.add(id);
  }
  return {
    name: template.name,
    order: template.order,
    prefix,
    suffix,
    middle,
    repo: repoName != null && fileSep != null && template.repoStyle ? { name: repoName, fileSep, style: template.repoStyle } : null,
    stopTokens,
  };
}

/** Repo-level tokens by vocabulary, for GGUF-declared templates not in the table. */
function detectRepoTokens(model: FimVocab): ResolvedFimTemplate["repo"] {
  const qwenSep = controlToken(model, "<|file_sep|>");
  const qwenName = controlToken(model, "<|repo_name|>");
  if (qwenSep != null && qwenName != null) return { name: qwenName, fileSep: qwenSep, style: "qwen" };
  const scSep = controlToken(model, "<file_sep>");
  const scName = controlToken(model, "<repo_name>");
  if (scSep != null && scName != null) return { name: scName, fileSep: scSep, style: "starcoder2" };
  return null;
}
