import { commentHeader, middleStart, type FimLayout, type FimPromptInput } from "./fimPrompt.js";
import { FIM_TEMPLATES, lookupFimTemplate, type FimTemplate } from "./fimTemplates.js";

// Client-side FIM prompts as text, for servers that only offer /v1/completions. Same layouts as
// fimPrompt.ts; the server tokenizes the template's special tokens (it must parse special tokens).

export function buildFimText(template: FimTemplate, input: FimPromptInput, layout: FimLayout = template.order === "spm" ? "spm" : "psm-line"): string {
  const { prefix, suffix } = input.cursor;
  const lineStart = middleStart(input.cursor, layout);
  const prefixLines = prefix.slice(0, lineStart);
  const lineHead = prefix.slice(lineStart);
  const extra = input.extraContext ?? [];
  const repo = template.repoName && template.fileSep && (extra.length > 0 || input.path !== undefined) ? template : null;
  let before = "";
  let inPrefix = "";
  if (repo?.repoName && repo.fileSep) {
    const qwen = repo.repoStyle === "qwen";
    before = `${repo.repoName}${input.repoName ?? "repo"}${qwen ? "\n" : ""}`;
    for (const f of extra) before += `${repo.fileSep}${f.path}\n${f.text}${qwen ? "\n" : ""}`;
    if (qwen) before += `${repo.fileSep}${input.path ?? "untitled"}\n`;
    else {
      before += repo.fileSep;
      inPrefix = `${input.path ?? "untitled"}\n`;
    }
  } else if (extra.length > 0) {
    for (const f of extra) inPrefix += commentHeader(f.path, input.path) + f.text + (f.text.endsWith("\n") ? "\n" : "\n\n");
    if (input.path !== undefined) inPrefix += commentHeader(input.path, input.path);
  }
  const spaced = template.name === "codellama";
  const pre = template.prefix + (spaced ? " " : "");
  const suf = (spaced ? " " : "") + template.suffix;
  const mid = template.middle === "" ? "" : (spaced ? " " : "") + template.middle;
  return layout === "spm"
    ? `${before}${suf}${suffix}${pre}${inPrefix}${prefix}${mid}`
    : `${before}${pre}${inPrefix}${prefixLines}${suf}${suffix}${mid}${lineHead}`;
}

/** Picks a FIM template for a server model: the `model.template` setting, else a guess from the model id. */
export function templateForServerModel(setting: string, modelId: string | null): FimTemplate | null {
  if (setting.trim().toLowerCase() !== "auto") return lookupFimTemplate(setting) ?? null;
  const id = (modelId ?? "").toLowerCase();
  if (/qwen.*coder|qwen2\.5-coder|qwen3-coder/.test(id)) return FIM_TEMPLATES["qwen2.5-coder"] ?? null;
  if (/starcoder|stable-?code|refact|santacoder/.test(id)) return FIM_TEMPLATES.starcoder ?? null;
  if (/deepseek.*coder/.test(id)) return FIM_TEMPLATES["deepseek-coder"] ?? null;
  if (/codellama|code-llama/.test(id)) return FIM_TEMPLATES.codellama ?? null;
  if (/codestral/.test(id)) return FIM_TEMPLATES.codestral ?? null;
  if (/codegemma/.test(id)) return FIM_TEMPLATES.codegemma ?? null;
  return null;
}
