import type { Filter } from "./types.js";

// Control tokens that leak into text when a backend does not stop on them (OpenAI-compatible servers,
// models whose template differs from the one configured). Nothing after one belongs to the middle.
const CONTROL_TOKEN = /<\|[A-Za-z0-9_]+\|>|<(?:fim_prefix|fim_suffix|fim_middle|fim_pad|file_sep|repo_name|filename|gh_stars)>|<｜fim▁(?:begin|hole|end)｜>|<\/s>|<EOT>|<(?:PRE|SUF|MID)>/;
// A model may echo the token that opened its turn; end-of-text first, though, means "nothing to add".
const LEADING_MIDDLE = /^(?:<fim_middle>|<\|fim_middle\|>|<MID>|<｜fim▁end｜>)+/;
const THINK_BLOCK = /<think>[\s\S]*?(?:<\/think>\s*|$)/g;
const OPENING_FENCE = /^[ \t]*```[\w+#.-]*[ \t]*\n/;

/** Model-specific cleanups: stray special tokens, `<think>` blocks and markdown fences. */
export function cleanModelArtifacts(text: string): string {
  let out = text.replace(THINK_BLOCK, "").replace(LEADING_MIDDLE, "");
  const control = CONTROL_TOKEN.exec(out);
  if (control) out = out.slice(0, control.index);
  const fence = OPENING_FENCE.exec(out);
  if (fence) {
    out = out.slice(fence[0].length);
    const closing = /(^|\n)[ \t]*```/.exec(out);
    if (closing) out = out.slice(0, closing.index + closing[1].length);
  } else {
    // A closing fence with no opening one: the model is ending a markdown answer.
    const closing = /(^|\n)[ \t]*```[ \t]*(\n|$)/.exec(out);
    if (closing) out = out.slice(0, closing.index + closing[1].length);
  }
  return out;
}

export const cleanModelArtifactsFilter: Filter = {
  name: "cleanModelArtifacts",
  apply: (candidate) => ({ ...candidate, text: cleanModelArtifacts(candidate.text) }),
};
