import type { LanguageName } from "../../syntax/index.js";
import { indentUnit } from "../../text/indentation.js";

/** One line describing the file's visible style, for the prompt: indentation, quotes, semicolons. */
export function describeStyle(text: string, language: LanguageName | null): string {
  const unit = indentUnit(text);
  const parts = [unit === "\t" ? "tab indentation" : `${unit.length}-space indentation`];
  if (language === "typescript" || language === "tsx" || language === "javascript" || language === "python") {
    const single = (text.match(/'[^'\n]*'/g) ?? []).length;
    const double = (text.match(/"[^"\n]*"/g) ?? []).length;
    if (single + double > 0) parts.push(single > double ? "single quotes" : "double quotes");
  }
  if (language === "typescript" || language === "tsx" || language === "javascript") {
    // Trimmed first: `\s*$` in the patterns was retried from every space of a long run (quadratic per line).
    const lines = text.split("\n").map((l) => l.trimEnd()).filter((l) => /[\w)\]'"`]$/.test(l.endsWith(";") ? l.slice(0, -1).trimEnd() : l) && !/[{}(,]$/.test(l));
    const withSemi = lines.filter((l) => l.endsWith(";")).length;
    if (lines.length > 0) parts.push(withSemi * 2 >= lines.length ? "semicolons" : "no semicolons");
  }
  return parts.join(", ");
}

/** Markdown fence tags that mean this language, for picking the right block out of an answer. */
export function fenceTags(language: LanguageName | null, languageId: string): string[] {
  const tags: Record<LanguageName, string[]> = {
    typescript: ["ts", "typescript"],
    tsx: ["tsx", "typescript", "ts"],
    javascript: ["js", "javascript", "jsx", "mjs"],
    python: ["py", "python", "python3"],
    go: ["go", "golang"],
    rust: ["rs", "rust"],
    java: ["java"],
    c: ["c", "h"],
    cpp: ["cpp", "c++", "cc", "hpp"],
  };
  return language ? tags[language] : [languageId.toLowerCase()];
}
