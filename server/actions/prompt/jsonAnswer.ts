/**
 * String fields of a model's JSON answer. Schema-constrained output is normally valid JSON, but a token
 * limit can cut it off, and HTTP backends may ignore the schema: then each `"field": "…"` is salvaged
 * from the raw text, and plain prose counts as the value of `fallbackField`.
 */
export function jsonStringFields(text: string, fallbackField: string): Record<string, string> {
  const trimmed = text.trim();
  try {
    const value: unknown = JSON.parse(trimmed);
    if (value && typeof value === "object" && !Array.isArray(value)) return flatten(value as Record<string, unknown>);
  } catch {
    // Salvage below.
  }
  if (!trimmed.startsWith("{")) return { [fallbackField]: trimmed };
  const out: Record<string, string> = {};
  for (const m of trimmed.matchAll(/"([\w$]+)"\s*:\s*"((?:[^"\\]|\\.)*)("?)/g)) {
    try {
      out[m[1]] = JSON.parse(`"${m[2].replace(/\\$/, "")}"`) as string;
    } catch {
      out[m[1]] = m[2];
    }
  }
  return out;
}

function flatten(value: Record<string, unknown>, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === "string") out[prefix + key] = v;
    else if (v && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${key}.`));
  }
  return out;
}
