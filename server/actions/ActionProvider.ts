import type { LanguageName } from "../syntax/index.js";
import type { ActionKind } from "./kinds.js";
import type { ActionEnvironment, ActionOffer, EditPlan, ListRequest, ResolveRequest } from "./types.js";

/** One kind of AI code action: cheap offers for the menu, and the model-backed resolution. */
export interface ActionProvider {
  readonly kind: ActionKind;
  /** Instant and model-free: runs on every codeAction request. */
  offers(request: ListRequest, language: LanguageName | null): ActionOffer[];
  resolve(request: ResolveRequest, env: ActionEnvironment): Promise<EditPlan>;
}
