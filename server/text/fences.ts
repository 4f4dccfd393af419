// Code in model answers: markdown fences, JSON `{"code"}` objects, chatter. Actions, the agent and completion share it.

export interface ExtractedCode {
  code: string;
  /** How it was found: a JSON `{"code": …}` object, a closed or cut-off fence, or the raw text. */
  from: "json" | "fence" | "unclosedFence" | "raw";
}

interface Fence {
  lang: string;
  body: string;
  closed: boolean;
}

const FENCE_OPEN = /^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*$/;
const CHATTER = /^(here|sure|certainly|okay|ok|below|this is|the (rewritten|fixed|updated|corrected|new)|i('ve| have))\b.*[:.!]$/i;

/**
 * The code in a model's answer. Tolerates what models do: prose around a fence, several fences, a fence
 * cut off by the token limit, no fence at all, `<think>` blocks, and JSON answers from schema-constrained runs.
 * Returns null when there is no code (empty or whitespace-only answers).
 */
export function extractCode(text: string, languageTags: readonly string[] = []): ExtractedCode | null {
  const cleaned = text.replace(/<think>[\s\S]*?(<\/think>|$)/g, "").replace(/\r\n/g, "\n");
  const json = codeFromJson(cleaned);
  if (json !== null) return nonEmpty(json, "json");
  const fences = findFences(cleaned);
  if (fences.length > 0) {
    const closed = fences.filter((f) => f.closed);
    const pool = closed.length > 0 ? closed : fences;
    const tagged = pool.filter((f) => languageTags.includes(f.lang.toLowerCase()));
    const best = (tagged.length > 0 ? tagged : pool).reduce((a, b) => (b.body.trim().length > a.body.trim().length ? b : a));
    return nonEmpty(best.body, best.closed ? "fence" : "unclosedFence");
  }
  const lines = cleaned.split("\n");
  while (lines.length > 0 && (lines[0].trim() === "" || CHATTER.test(lines[0].trim()))) lines.shift();
  return nonEmpty(lines.join("\n"), "raw");
}

function nonEmpty(code: string, from: ExtractedCode["from"]): ExtractedCode | null {
  const trimmed = code.replace(/^\s*\n/, "").replace(/\s+$/, "");
  return trimmed.trim() === "" ? null : { code: trimmed, from };
}

function codeFromJson(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (value && typeof value === "object" && "code" in value && typeof value.code === "string") return value.code;
  } catch {
    // Not JSON after all: fall through to fences.
  }
  return null;
}

function findFences(text: string): Fence[] {
  const lines = text.split("\n");
  const fences: Fence[] = [];
  let i = 0;
  while (i < lines.length) {
    const open = FENCE_OPEN.exec(lines[i]);
    if (!open) {
      i++;
      continue;
    }
    const marker = open[1];
    const body: string[] = [];
    let closed = false;
    i++;
    while (i < lines.length) {
      const trimmed = lines[i].trim();
      if (trimmed.startsWith(marker[0].repeat(marker.length)) && trimmed.replace(/[`~]/g, "") === "") {
        closed = true;
        i++;
        break;
      }
      body.push(lines[i]);
      i++;
    }
    fences.push({ lang: open[2] ?? "", body: body.join("\n"), closed });
  }
  return fences;
}

/** Whether `textSoFar` already holds a complete fenced block: generation can stop there. */
export function hasClosedFence(textSoFar: string): boolean {
  return findFences(textSoFar.replace(/\r\n/g, "\n")).some((f) => f.closed);
}

const OPENING_FENCE = /^[ \t]*```[\w+#.-]*[ \t]*\n/;

/**
 * A streamed completion wrapped in markdown: drops an opening fence at the very start and cuts at its closing
 * fence, or, with no opening fence, cuts at a lone closing fence (the model is ending a markdown answer).
 * Unlike `extractCode`, it keeps every other character as generated.
 */
export function unwrapCompletionFence(text: string): string {
  let out = text;
  const fence = OPENING_FENCE.exec(out);
  if (fence) {
    out = out.slice(fence[0].length);
    const closing = /(^|\n)[ \t]*```/.exec(out);
    return closing ? out.slice(0, closing.index + closing[1].length) : out;
  }
  const closing = /(^|\n)[ \t]*```[ \t]*(\n|$)/.exec(out);
  return closing ? out.slice(0, closing.index + closing[1].length) : out;
}
