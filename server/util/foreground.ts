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

/**
 * Counts the editor's requests in flight (completions, code actions), so that background work steps aside while
 * they run: on 2 cores a first index otherwise doubles completion latency.
 */
export class ForegroundWork implements Foreground {
  private active = 0;
  private readonly waiters = new Set<() => void>();
  private readonly listeners = new Set<(busy: boolean) => void>();

  get busy(): boolean {
    return this.active > 0;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active++ === 0) this.changed(true);
    try {
      return await work();
    } finally {
      if (--this.active === 0) {
        for (const wake of [...this.waiters]) wake();
        this.changed(false);
      }
    }
  }

  onChange(listener: (busy: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(busy: boolean): void {
    for (const listener of [...this.listeners]) listener(busy);
  }

  whenIdle(maxWaitMs: number): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, maxWaitMs);
      this.waiters.add(wake);
    });
  }
}
