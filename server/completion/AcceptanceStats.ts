export interface AcceptanceSnapshot {
  shown: number;
  accepted: number;
  /** accepted / shown, 0 when nothing was shown. */
  rate: number;
}

const REMEMBERED_IDS = 10_000;

/** Counts shown and accepted completions in memory, once per completion id. Nothing leaves the machine. */
export class AcceptanceStats {
  private readonly shownIds = new Set<string>();
  private readonly acceptedIds = new Set<string>();
  private shownCount = 0;
  private acceptedCount = 0;

  shown(id: string): void {
    if (this.shownIds.has(id)) return;
    remember(this.shownIds, id);
    this.shownCount++;
  }

  accepted(id: string): void {
    if (this.acceptedIds.has(id)) return;
    remember(this.acceptedIds, id);
    // An accept implies it was shown, even if the client never reported the show.
    this.shown(id);
    this.acceptedCount++;
  }

  snapshot(): AcceptanceSnapshot {
    return { shown: this.shownCount, accepted: this.acceptedCount, rate: this.shownCount === 0 ? 0 : this.acceptedCount / this.shownCount };
  }
}

function remember(ids: Set<string>, id: string): void {
  ids.add(id);
  if (ids.size > REMEMBERED_IDS) ids.delete(ids.values().next().value as string);
}
