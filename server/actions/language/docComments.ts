import type { LanguageName } from "../../syntax/index.js";
import { visibleWidth, wrapText, WRAP_COLUMN } from "./commentSyntax.js";

export interface DocContent {
  summary: string;
  /** Parameter name → description (possibly empty). */
  params: Array<{ name: string; description: string }>;
  returns: string;
}

/** The documentation convention each language uses, for the prompt and the formatter. */
export function docConvention(language: LanguageName): string {
  switch (language) {
    case "typescript":
    case "tsx":
      return "TSDoc (/** … */ with @param and @returns)";
    case "javascript":
      return "JSDoc (/** … */ with @param and @returns)";
    case "python":
      return "a PEP 257 docstring (Google style Args:/Returns:)";
    case "go":
      return "a Go doc comment (// lines starting with the symbol's name)";
    case "rust":
      return "rustdoc (/// lines, # Arguments section)";
    case "java":
      return "Javadoc (/** … */ with @param and @return)";
    case "c":
    case "cpp":
      return "a Doxygen comment (/** … */ with @param and @return)";
  }
}

function wrapAt(text: string, lead: string): string[] {
  return wrapText(text, Math.max(20, WRAP_COLUMN - visibleWidth(lead)));
}

/** A `/** … *\/` block (JSDoc, TSDoc, Javadoc, Doxygen) at `indent`. */
function blockDoc(content: DocContent, indent: string, returnsTag: string): string[] {
  const lead = `${indent} * `;
  const body: string[] = wrapAt(content.summary, lead);
  const tags: string[] = [];
  for (const p of content.params) {
    const [first, ...rest] = wrapAt(`@param ${p.name}${p.description ? ` ${p.description}` : ""}`, lead);
    tags.push(first, ...rest.map((r) => `  ${r}`));
  }
  if (content.returns) tags.push(...wrapAt(`${returnsTag} ${content.returns}`, lead));
  if (body.length > 0 && tags.length > 0) body.push("");
  body.push(...tags);
  return [`${indent}/**`, ...body.map((l) => (l === "" ? `${indent} *` : lead + l)), `${indent} */`];
}

/** Lines of a doc comment placed above a declaration (every language except Python's docstrings). */
export function docCommentAbove(language: Exclude<LanguageName, "python">, content: DocContent, name: string, indent: string): string[] {
  switch (language) {
    case "go": {
      // Go doc comments start with the symbol's name: "Foo returns …".
      let summary = content.summary;
      if (name && !summary.startsWith(`${name} `)) summary = `${name} ${summary.charAt(0).toLowerCase()}${summary.slice(1)}`;
      return wrapAt(summary, `${indent}// `).map((l) => (l === "" ? `${indent}//` : `${indent}// ${l}`));
    }
    case "rust": {
      const lines = wrapAt(content.summary, `${indent}/// `);
      if (content.params.length > 0) {
        lines.push("", "# Arguments", "");
        for (const p of content.params) lines.push(...wrapAt(`* \`${p.name}\`${p.description ? ` - ${p.description}` : ""}`, `${indent}/// `));
      }
      return lines.map((l) => (l === "" ? `${indent}///` : `${indent}/// ${l}`));
    }
    case "java":
    case "c":
    case "cpp":
      return blockDoc(content, indent, "@return");
    default:
      return blockDoc(content, indent, "@returns");
  }
}

/** A Python docstring at the body's indentation (Google style sections when there is something to say). */
export function pythonDocstring(content: DocContent, indent: string): string[] {
  const lines = wrapAt(content.summary, `${indent}`);
  const described = content.params;
  if (described.length > 0) {
    lines.push("", "Args:");
    for (const p of described) {
      const [first, ...rest] = wrapAt(`${p.name}: ${p.description}`.trimEnd(), `${indent}        `);
      lines.push(`    ${first}`, ...rest.map((r) => `        ${r}`));
    }
  }
  if (content.returns) lines.push("", "Returns:", ...wrapAt(content.returns, `${indent}    `).map((r) => `    ${r}`));
  if (lines.length === 1) return [`${indent}"""${lines[0]}"""`];
  return [`${indent}"""${lines[0]}`, ...lines.slice(1).map((l) => (l === "" ? "" : indent + l)), `${indent}"""`];
}
