// The placeholders a user-defined action's prompt template may use (settings `actions.custom[].prompt`).

export const PROMPT_PLACEHOLDERS = ["selection", "file", "language", "instruction"] as const;
export type PromptPlaceholder = (typeof PROMPT_PLACEHOLDERS)[number];

/** `{name}` with an identifier inside: braces around anything else (JSON, code) are plain text. */
export const PLACEHOLDER_PATTERN = /\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;

export function unknownPlaceholders(template: string): string[] {
  const unknown = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) {
    const name = match[1] ?? "";
    if (!(PROMPT_PLACEHOLDERS as readonly string[]).includes(name)) unknown.add(`{${name}}`);
  }
  return [...unknown];
}

/** Fills the placeholders in one pass, so a value that contains `{file}` is never expanded again. */
export function renderTemplate(template: string, values: Record<PromptPlaceholder, string>): string {
  return template.replace(PLACEHOLDER_PATTERN, (whole, name: string) => ((PROMPT_PLACEHOLDERS as readonly string[]).includes(name) ? values[name as PromptPlaceholder] : whole));
}
