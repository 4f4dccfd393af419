/** What background work (indexing, embedding) needs to know about the editor's requests. */
export interface Foreground {
  /** True while foreground work runs. */
  readonly busy: boolean;
  /** Resolves once no foreground work runs, or after `maxWaitMs` (background work must still progress). */
  whenIdle(maxWaitMs: number): Promise<void>;
  /** Calls `listener` whenever `busy` changes; returns the unsubscribe function. */
  onChange(listener: (busy: boolean) => void): () => void;
}

/** The longest background work waits for the foreground at a time, so that it still progresses. */
export const FOREGROUND_MAX_WAIT_MS = 1000;

/** Background work's turn: at once when there is no foreground or it is idle, else once it is (bounded). */
export function stepAside(foreground: Foreground | undefined): Promise<void> {
  return foreground?.whenIdle(FOREGROUND_MAX_WAIT_MS) ?? Promise.resolve();
}

/** A busy flag that background work can wait on and follow; whoever knows the foreground sets it. */
export class ForegroundState implements Foreground {
  private state = false;
  private readonly listeners = new Set<(busy: boolean) => void>();

  get busy(): boolean {
    return this.state;
  }

  set(busy: boolean): void {
    if (busy === this.state) return;
    this.state = busy;
    for (const listener of [...this.listeners]) listener(busy);
  }

  onChange(listener: (busy: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  whenIdle(maxWaitMs: number): Promise<void> {
    if (!this.state) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(wake, maxWaitMs);
      const unsubscribe = this.onChange((busy) => {
        if (!busy) wake();
      });
    });
  }
}

/**
 * Counts the editor's requests in flight (completions, code actions), so that background work steps aside while
 * they run: on 2 cores a first index otherwise doubles completion latency.
 */
export class ForegroundWork extends ForegroundState {
  private active = 0;

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active++ === 0) this.set(true);
    try {
      return await work();
    } finally {
      if (--this.active === 0) this.set(false);
    }
  }
}
