import { AbortError, raceAbort } from "./abort.js";

/**
 * One expensive start-up (a model load, a server connection) shared by every caller that needs it at the same
 * time. Each caller's signal ends only that caller's wait; the shared work is aborted only when every waiter
 * has gone, so one cancelled request never fails another's load.
 */
export class SharedLoad<T> {
  private current: { promise: Promise<T>; controller: AbortController; waiters: number } | null = null;

  /** `start` runs once per load and must honour its signal; `cancelled` is the message when it was aborted. */
  constructor(
    private readonly start: (signal: AbortSignal) => Promise<T>,
    private readonly cancelled = "Loading was cancelled",
  ) {}

  get running(): boolean {
    return this.current !== null;
  }

  /** Joins the running load (or starts one) and waits for it, or for `signal`. */
  wait(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new AbortError());
    const load = (this.current ??= this.begin());
    load.waiters++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      if (--load.waiters === 0 && this.current === load) load.controller.abort();
    };
    signal?.addEventListener("abort", leave, { once: true });
    return raceAbort(load.promise, signal).finally(() => signal?.removeEventListener("abort", leave));
  }

  /** Aborts the running load, whoever waits for it, and waits until it has stopped. */
  async abort(): Promise<void> {
    const load = this.current;
    if (!load) return;
    load.controller.abort();
    await load.promise.catch(() => undefined);
  }

  private begin(): { promise: Promise<T>; controller: AbortController; waiters: number } {
    const controller = new AbortController();
    const promise = this.start(controller.signal).then(
      (value) => {
        this.current = null;
        return value;
      },
      (error: unknown) => {
        this.current = null;
        throw controller.signal.aborted ? new AbortError(this.cancelled) : error;
      },
    );
    // A load nobody waits for any more must not surface as an unhandled rejection.
    promise.catch(() => undefined);
    return { promise, controller, waiters: 0 };
  }
}
