import { languageOf } from "../syntax/index.js";
import type { ActionProvider } from "./ActionProvider.js";
import { ActionRejectedError } from "./errors/ActionRejectedError.js";
import { kindRequested, type ActionKind } from "./kinds.js";
import { customProvider } from "./providers/customProvider.js";
import { docProvider } from "./providers/docProvider.js";
import { explainInWindowProvider, explainProvider } from "./providers/explainProvider.js";
import { fixProvider } from "./providers/fixProvider.js";
import { rewriteProvider } from "./providers/rewriteProvider.js";
import { testsProvider } from "./providers/testsProvider.js";
import type { ActionEnvironment, ActionOffer, EditPlan, ListRequest, ResolveRequest } from "./types.js";

/** Menu order: the fix for the diagnostic at hand first, then the selection actions, then the user's own. */
export const DEFAULT_PROVIDERS: readonly ActionProvider[] = [fixProvider, rewriteProvider, explainProvider, explainInWindowProvider, docProvider, testsProvider, customProvider];

/** Lists and resolves the AI code actions. Stateless: everything resolve needs travels in the request. */
export class CodeActionService {
  private readonly providers: ReadonlyMap<ActionKind, ActionProvider>;

  constructor(providers: readonly ActionProvider[] = DEFAULT_PROVIDERS) {
    this.providers = new Map(providers.map((p) => [p.kind, p]));
  }

  /** The actions for the menu: instant, never touches the model, filtered by context and `only`. */
  list(request: ListRequest): ActionOffer[] {
    const language = languageOf(request.document.path ?? request.document.uri, request.document.languageId);
    const offers: ActionOffer[] = [];
    for (const provider of this.providers.values()) {
      if (!kindRequested(provider.kind, request.only)) continue;
      offers.push(...provider.offers(request, language));
    }
    return offers;
  }

  /** Runs the model for one action and returns the verified edit plan. */
  async resolve(request: ResolveRequest, env: ActionEnvironment): Promise<EditPlan> {
    const provider = this.providers.get(request.kind);
    if (!provider) throw new ActionRejectedError(`dhi: unknown action kind ${request.kind}`);
    const plan = await provider.resolve(request, env);
    const { report } = plan;
    const s = report.speculation;
    env.debug(
      `${request.kind}: ${report.calls} model call(s), ${report.generatedTokens} tokens in ${Math.round(report.totalMs)} ms; ` +
        `speculation ${s.kind}: ${s.accepted}/${s.drafted} accepted${s.drafted > 0 ? ` (${(s.accepted / s.drafted).toFixed(2)})` : ""}, ${s.targetPasses} target passes`,
    );
    return plan;
  }
}
