import { defaultSettings, SettingsSchema, type Settings } from "./schema.js";

export type SettingsLayer = { source: string; values: unknown };

export interface ResolvedSettings {
  settings: Settings;
  /** Unknown keys: one line each, naming the key and its source. */
  warnings: string[];
  /** Wrong types or values: one line each, naming the key; that key keeps its default. */
  errors: string[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mergeInto(target: Json, source: Json): Json {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    target[key] = isRecord(existing) && isRecord(value) ? mergeInto({ ...existing }, value) : value;
  }
  return target;
}

/** Keys present in `raw` that the defaults do not know, as dotted paths. */
function unknownKeys(raw: Json, known: Json, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!(key in known)) out.push(path);
    else if (isRecord(value) && isRecord(known[key])) out.push(...unknownKeys(value, known[key] as Json, path));
  }
  return out;
}

/** Removes the bad value; inside a list, the whole entry goes (a list entry has no default). Returns whether it was an entry. */
function deletePath(obj: Json, path: PropertyKey[]): boolean {
  let node: unknown = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const part = path[i];
    if (Array.isArray(node) && typeof part === "number") {
      node.splice(part, 1);
      return true;
    }
    if (!isRecord(node)) return false;
    node = node[String(part)];
  }
  const last = path[path.length - 1];
  if (Array.isArray(node) && typeof last === "number") {
    node.splice(last, 1);
    return true;
  }
  if (isRecord(node)) delete node[String(last)];
  return false;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function getPath(obj: Json, path: PropertyKey[]): unknown {
  let node: unknown = obj;
  for (const part of path) node = isRecord(node) ? node[String(part)] : Array.isArray(node) && typeof part === "number" ? (node[part] as unknown) : undefined;
  return node;
}

/**
 * Merges settings layers (later wins), then applies environment overrides (which win over all).
 * Never throws: bad keys are reported and fall back to their defaults.
 */
export function resolveSettings(layers: SettingsLayer[], env: NodeJS.ProcessEnv = process.env): ResolvedSettings {
  const warnings: string[] = [];
  const errors: string[] = [];
  const known = defaultSettings() as unknown as Json;
  let merged: Json = {};
  for (const layer of layers) {
    if (layer.values === undefined || layer.values === null) continue;
    if (!isRecord(layer.values)) {
      errors.push(`dhi: settings from ${layer.source} must be a JSON object; ignoring them`);
      continue;
    }
    for (const key of unknownKeys(layer.values, known)) warnings.push(`dhi: unknown setting "${key}" in ${layer.source}; ignoring it`);
    merged = mergeInto(merged, layer.values);
  }
  applyEnvironment(merged, env);

  for (let attempt = 0; attempt < 50; attempt++) {
    const result = SettingsSchema.safeParse(merged);
    if (result.success) return { settings: result.data, warnings, errors };
    for (const issue of result.error.issues) {
      const key = issue.path.map(String).join(".");
      const got = describe(getPath(merged, issue.path));
      const entry = deletePath(merged, issue.path);
      errors.push(`dhi: setting "${key}" is invalid: ${issue.message} (got ${got}); ${entry ? "ignoring that entry" : "using the default"}`);
      // Removing a list entry shifts the indices the other issues name: validate again.
      if (entry) break;
    }
  }
  errors.push("dhi: settings could not be validated; using all defaults");
  return { settings: defaultSettings(), warnings, errors };
}

function setPath(obj: Json, path: string[], value: unknown): void {
  let node = obj;
  for (const part of path.slice(0, -1)) {
    if (!isRecord(node[part])) node[part] = {};
    node = node[part] as Json;
  }
  node[path[path.length - 1]] = value;
}

/** The contract's environment variables, which override every settings layer. */
function applyEnvironment(merged: Json, env: NodeJS.ProcessEnv): void {
  const overrides: Array<[string, string[]]> = [
    ["DHI_MODEL", ["model", "path"]],
    ["DHI_DRAFT_MODEL", ["model", "draftPath"]],
    ["DHI_EMBED_MODEL", ["index", "embeddingModel"]],
    ["DHI_SANDBOX", ["sandbox", "backend"]],
  ];
  for (const [name, path] of overrides) {
    const value = env[name];
    if (value !== undefined && value !== "") setPath(merged, path, value);
  }
}
