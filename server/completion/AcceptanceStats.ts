export interface AcceptanceSnapshot {
  shown: number;
  accepted: number;
  /** accepted / shown, 0 when nothing was shown. */
  rate: number;
  /** Completions accepted in part (by word or line) and never in full. */
  partiallyAccepted: number;
  /** partiallyAccepted / shown, 0 when nothing was shown. */
  partialRate: number;
}

/**
 * The id of a completion's further suggestion: `<id>.<rank>`. Statistics count a request's suggestions as one
 * completion (shown once, accepted when any of them is), so cycling does not inflate the shown count.
 */
export function suggestionId(id: string, rank: number): string {
  return `${id}.${rank}`;
}

/** The completion a suggestion id belongs to. */
export function acceptanceId(id: string): string {
  const dot = id.indexOf(".");
  return dot < 0 ? id : id.slice(0, dot);
}

export function acceptanceSnapshot(shown: number, accepted: number, partiallyAccepted: number): AcceptanceSnapshot {
  const rate = (n: number) => (shown === 0 ? 0 : n / shown);
  return { shown, accepted, rate: rate(accepted), partiallyAccepted, partialRate: rate(partiallyAccepted) };
}

const REMEMBERED_IDS = 10_000;

/** Counts shown and accepted completions in memory, once per completion id. Nothing leaves the machine. */
export class AcceptanceStats {
  private readonly shownIds = new Set<string>();
  private readonly acceptedIds = new Set<string>();
  private readonly partialIds = new Set<string>();
  private shownCount = 0;
  private acceptedCount = 0;

  shown(suggestion: string): void {
    const id = acceptanceId(suggestion);
    if (this.shownIds.has(id)) return;
    remember(this.shownIds, id);
    this.shownCount++;
  }

  accepted(suggestion: string): void {
    const id = acceptanceId(suggestion);
    if (this.acceptedIds.has(id)) return;
    this.partialIds.delete(id); // a full accept supersedes a partial one
    remember(this.acceptedIds, id);
    // An accept implies it was shown, even if the client never reported the show.
    this.shown(id);
    this.acceptedCount++;
  }

  /** The user accepted part of a completion (`dhi.completion.partiallyAccepted`). */
  partiallyAccepted(suggestion: string): void {
    const id = acceptanceId(suggestion);
    if (this.acceptedIds.has(id)) return;
    this.shown(id);
    remember(this.partialIds, id);
  }

  snapshot(): AcceptanceSnapshot {
    return acceptanceSnapshot(this.shownCount, this.acceptedCount, this.partialIds.size);
  }
}

function remember(ids: Set<string>, id: string): void {
  ids.add(id);
  if (ids.size > REMEMBERED_IDS) ids.delete(ids.values().next().value as string);
}
