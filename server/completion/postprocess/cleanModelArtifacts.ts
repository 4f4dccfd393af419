import { unwrapCompletionFence } from "../../text/fences.js";
import type { Filter } from "./types.js";

// Control tokens that leak into text when a backend does not stop on them (OpenAI-compatible servers,
// models whose template differs from the one configured). Nothing after one belongs to the middle.
const CONTROL_TOKEN = /<\|[A-Za-z0-9_]+\|>|<(?:fim_prefix|fim_suffix|fim_middle|fim_pad|file_sep|repo_name|filename|gh_stars)>|<｜fim▁(?:begin|hole|end)｜>|<\/s>|<EOT>|<(?:PRE|SUF|MID)>/;
// A model may echo the token that opened its turn; end-of-text first, though, means "nothing to add".
const LEADING_MIDDLE = /^(?:<fim_middle>|<\|fim_middle\|>|<MID>|<｜fim▁end｜>)+/;
const THINK_BLOCK = /<think>[\s\S]*?(?:<\/think>\s*|$)/g;

/** Model-specific cleanups: stray special tokens, `<think>` blocks and markdown fences. */
export function cleanModelArtifacts(text: string): string {
  let out = text.replace(THINK_BLOCK, "").replace(LEADING_MIDDLE, "");
  const control = CONTROL_TOKEN.exec(out);
  if (control) out = out.slice(0, control.index);
  return unwrapCompletionFence(out);
}

export const cleanModelArtifactsFilter: Filter = {
  name: "cleanModelArtifacts",
  apply: (candidate) => ({ ...candidate, text: cleanModelArtifacts(candidate.text) }),
};
