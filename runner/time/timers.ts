/** The timer functions the scheduler and reloader use, so tests can move time by hand. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout(fn, ms) {
    // Timers must not keep a CLI or a test process alive; the HTTP server does that for `serve`.
    return setTimeout(fn, ms).unref();
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Node fires a setTimeout longer than 2^31-1 ms at once, so long waits are taken in hops. */
const MAX_HOP_MS = 6 * 3_600_000;

/** Calls `fn` once the clock reaches `dueAt`; returns a cancel function. */
export function timerAt(timers: Timers, now: () => number, dueAt: number, fn: () => void): () => void {
  let handle: unknown;
  const arm = (): void => {
    const wait = dueAt - now();
    if (wait <= 0) {
      fn();
      return;
    }
    handle = timers.setTimeout(arm, Math.min(wait, MAX_HOP_MS));
  };
  handle = timers.setTimeout(arm, Math.max(0, Math.min(dueAt - now(), MAX_HOP_MS)));
  return () => timers.clearTimeout(handle);
}
