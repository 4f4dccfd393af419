// The contract's code action kinds and titles (docs/contract.md, "Code action kinds and titles").

export const REWRITE_KIND = "refactor.rewrite.dhi";
export const FIX_KIND = "quickfix.dhi";
export const DOC_KIND = "source.dhi.doc";
export const TESTS_KIND = "source.dhi.tests";
export const EXPLAIN_KIND = "refactor.dhi.explain";

/** Extension: Explain answering in a window (the contract's Explain inserts a comment; this one leaves the source alone). */
export const EXPLAIN_WINDOW_KIND = "refactor.dhi.explain.window";
/** Extension: the user-defined actions of `actions.custom` (which one travels beside the kind). */
export const CUSTOM_KIND = "refactor.dhi.custom";

/** The contract's five built-in kinds. */
export const BUILTIN_ACTION_KINDS = [REWRITE_KIND, FIX_KIND, DOC_KIND, TESTS_KIND, EXPLAIN_KIND] as const;
export const ACTION_KINDS = [...BUILTIN_ACTION_KINDS, EXPLAIN_WINDOW_KIND, CUSTOM_KIND] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const TITLES = {
  rewrite: "dhi: Rewrite selection…",
  doc: "dhi: Add doc comment",
  tests: "dhi: Generate tests",
  explain: "dhi: Explain selection",
  explainInWindow: "dhi: Explain selection in a window",
} as const;

const MAX_MESSAGE_IN_TITLE = 80;

/** Every dhi action title starts with `dhi: `, user-defined ones too. */
export function customTitle(title: string): string {
  const t = title.trim();
  return t.startsWith("dhi: ") ? t : `dhi: ${t}`;
}

/** `dhi: Fix <diagnostic message>`, using the message's first line so menus stay one line high. */
export function fixTitle(message: string): string {
  let first = message.split(/\r?\n/)[0].trim();
  if (first.length > MAX_MESSAGE_IN_TITLE) first = `${first.slice(0, MAX_MESSAGE_IN_TITLE - 1)}…`;
  return `dhi: Fix ${first}`;
}

export function isActionKind(value: unknown): value is ActionKind {
  return typeof value === "string" && (ACTION_KINDS as readonly string[]).includes(value);
}

/** LSP kind filtering is hierarchical: `refactor` selects `refactor.rewrite.dhi`. */
export function kindRequested(kind: string, only: readonly string[] | undefined): boolean {
  if (!only || only.length === 0) return true;
  return only.some((o) => o === "" || kind === o || kind.startsWith(`${o}.`));
}
