import { existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { ModelSettings } from "../config/schema.js";
import { readDraftMeasurement, type DraftMeasurement } from "./draftMeasurement.js";
import { pulledDefaultDraft, pulledDefaultModel } from "./defaultModels.js";
import { expandPath, isRemoteModelUri } from "./modelSource.js";

// The one answer to "which model, and which draft?" for the server, every CLI command and doctor:
// `model.path`, then `DHI_MODEL`, then the default model `dhi models pull` / `dhi setup` fetched.
// (Settings already fold DHI_MODEL into model.path; the env is consulted only to name the source.)

export type ModelOrigin = "model.path" | "DHI_MODEL" | "pulled default";

export interface ModelChoice {
  /** As configured: a local path (`~` expanded, relative to cwd) or an `hf:`/https URI. */
  source: string;
  origin: ModelOrigin;
  remote: boolean;
}

export interface DraftChoice {
  /** null: no draft, and `reason` says why. */
  source: string | null;
  origin: "model.draftPath" | "DHI_DRAFT_MODEL" | "pulled default" | null;
  reason: string;
}

export function chooseModel(model: Pick<ModelSettings, "path">, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ModelChoice | null {
  const configured = model.path?.trim();
  if (configured) {
    const origin: ModelOrigin = env.DHI_MODEL?.trim() === configured ? "DHI_MODEL" : "model.path";
    return { source: normalise(configured, cwd), origin, remote: isRemoteModelUri(configured) };
  }
  const pulled = pulledDefaultModel(env);
  return pulled ? { source: pulled, origin: "pulled default", remote: false } : null;
}

/**
 * A configured draft always wins. Otherwise the pulled default draft is used only with the pulled
 * default model, and only where `dhi setup` measured it faster on this CPU.
 */
export function chooseDraft(model: Pick<ModelSettings, "draftPath">, target: ModelChoice | null, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): DraftChoice {
  const configured = model.draftPath?.trim();
  if (configured) {
    const origin = env.DHI_DRAFT_MODEL?.trim() === configured ? "DHI_DRAFT_MODEL" : "model.draftPath";
    return { source: normalise(configured, cwd), origin, reason: `set by ${origin}` };
  }
  const pulled = pulledDefaultDraft(env);
  if (!pulled) return { source: null, origin: null, reason: "off: no draft model (set model.draftPath / DHI_DRAFT_MODEL, or run `dhi setup`)" };
  if (target?.origin !== "pulled default") return { source: null, origin: null, reason: "off: the pulled draft only pairs with the pulled default model; set model.draftPath to use one" };
  const measured = readDraftMeasurement(env);
  if (!measured || measured.target !== basename(target.source) || measured.draft !== basename(pulled)) {
    return { source: null, origin: null, reason: "off: not measured on this machine yet (run `dhi setup`)" };
  }
  return measured.faster
    ? { source: pulled, origin: "pulled default", reason: `on: measured faster here (${describe(measured)})` }
    : { source: null, origin: null, reason: `off: measured slower on this CPU (${describe(measured)})` };
}

function describe(m: DraftMeasurement): string {
  return `${m.withDraftTokensPerSecond.toFixed(1)} tok/s with the draft vs ${m.targetTokensPerSecond.toFixed(1)} tok/s without`;
}

function normalise(source: string, cwd: string): string {
  return isRemoteModelUri(source) ? source : expandPath(source, cwd);
}

export interface ModelStatus {
  ok: boolean;
  detail: string;
}

/** What doctor says about a choice: a local file must exist; a remote URI is fetched into the cache on first use. */
export function describeModelChoice(choice: ModelChoice | null, setting = "model.path"): ModelStatus {
  if (!choice) {
    return { ok: false, detail: `no model configured: run \`dhi setup\` (downloads the default), or set "${setting}" in .dhi.json / export DHI_MODEL=/path/to/model.gguf` };
  }
  if (choice.remote) return { ok: true, detail: `${choice.source} (from ${choice.origin}; fetched into the model cache on first use)` };
  if (!existsSync(choice.source) || !statSync(choice.source).isFile()) {
    return { ok: false, detail: `model file not found: ${choice.source} (from ${choice.origin}); fix the path, or run \`dhi setup\`` };
  }
  return { ok: true, detail: `${choice.source} (from ${choice.origin})` };
}
