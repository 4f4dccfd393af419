import type { LanguageName } from "../../syntax/index.js";

/** The line-comment prefix of a language; `//` for the C family, `#` for Python and unknown script-likes. */
export function lineCommentPrefix(language: LanguageName | null, languageId: string): string {
  if (language === "python") return "#";
  if (language) return "//";
  return HASH_COMMENT_IDS.has(languageId) ? "#" : LUA_LIKE_IDS.has(languageId) ? "--" : "//";
}

const HASH_COMMENT_IDS = new Set(["shellscript", "sh", "bash", "ruby", "perl", "r", "yaml", "toml", "dockerfile", "makefile", "elixir", "nim", "powershell", "coffeescript"]);
const LUA_LIKE_IDS = new Set(["lua", "sql", "haskell", "elm", "ada"]);

export const WRAP_COLUMN = 80;

/**
 * Greedy word wrap so that `indent + prefix + line` fits in `column` characters. Paragraph breaks (blank
 * lines) are kept; a single word longer than the width stays on its own line rather than being split.
 */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  const paragraphs = text.replace(/\r\n/g, "\n").split(/\n\s*\n/);
  for (const [i, paragraph] of paragraphs.entries()) {
    const words = paragraph.split(/\s+/).filter((w) => w !== "");
    if (words.length === 0) continue;
    if (i > 0 && out.length > 0) out.push("");
    let line = "";
    for (const word of words) {
      if (line === "") line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        out.push(line);
        line = word;
      }
    }
    if (line !== "") out.push(line);
  }
  return out;
}

/** Lines of a line comment (`// …`) wrapped at `column`, each starting with `indent`. */
export function lineComment(text: string, indent: string, prefix: string, column = WRAP_COLUMN): string[] {
  const lead = `${indent}${prefix} `;
  const width = Math.max(20, column - visibleWidth(lead));
  return wrapText(text, width).map((l) => (l === "" ? `${indent}${prefix}` : lead + l));
}

/** Columns taken by leading whitespace, counting a tab as 4. */
export function visibleWidth(s: string): number {
  let w = 0;
  for (const c of s) w += c === "\t" ? 4 : 1;
  return w;
}

/** Plain prose from a model answer: no fences, no comment markers of any language, no stray closers. */
export function proseOf(text: string): string {
  return text
    .replace(/<think>[\s\S]*?(<\/think>|$)/g, "")
    .replace(/```[\w+#.-]*/g, "")
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*(\/\/\/?|\/\*+|\*\/|\*|#+|--|"""|''')\s?/, ""))
    .join("\n")
    .replace(/\*\//g, "* /")
    .replace(/"""/g, '"')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .trim();
}
