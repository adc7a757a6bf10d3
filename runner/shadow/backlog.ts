/**
 * Work beside the live path: `offer` never waits and never grows the queue past `capacity` (what
 * does not fit is counted as dropped), items run `concurrency` at a time, never in the turn of the
 * live work that offered them, and results are saved in batches. Each event-loop turn gives the
 * backlog a slice of time: one item per turn fell behind a busy live path (at 1,000 orders/s a
 * fifth of the events were dropped), a slice keeps up while live I/O is still served between slices.
 */
export interface BacklogOptions<T, R> {
  readonly capacity: number;
  readonly concurrency: number;
  work(item: T): Promise<R>;
  save(results: R[]): Promise<void>;
  /** Results wait at most this long for a batch to fill (default 250 ms). */
  readonly flushMs?: number;
  /** Saved at once from this many results on (default 200). */
  readonly batch?: number;
  /** Items started one after another within one event-loop turn until this much time passed (default 2 ms). */
  readonly sliceMs?: number;
  onError(error: unknown): void;
}

export interface Backlog<T> {
  /** False when full: the item is dropped and counted. */
  offer(item: T): boolean;
  readonly dropped: number;
  /** Everything offered so far has run and its results are saved (tests, shutdown). */
  idle(): Promise<void>;
}

export function createBacklog<T, R>(options: BacklogOptions<T, R>): Backlog<T> {
  const queue: T[] = [];
  const results: R[] = [];
  let running = 0;
  let dropped = 0;
  let saving: Promise<void> | null = null;
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  const waiters: (() => void)[] = [];
  let turnStarted = 0;
  const nextTurn = () =>
    setImmediate(() => {
      turnStarted = performance.now();
      pump();
    });

  const isIdle = () => queue.length === 0 && running === 0 && results.length === 0 && saving === null;
  const settle = () => {
    if (!isIdle()) return;
    for (const wake of waiters.splice(0)) wake();
  };

  function flush(): void {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    if (saving || results.length === 0) return settle();
    saving = options.save(results.splice(0)).catch(options.onError).finally(() => {
      saving = null;
      if (results.length >= (options.batch ?? 200) || (results.length && running === 0 && queue.length === 0)) flush();
      else if (results.length) armFlush();
      settle();
    });
  }

  function armFlush(): void {
    flushTimer ??= setTimeout(flush, options.flushMs ?? 250);
    flushTimer.unref?.();
  }

  function pump(): void {
    while (running < options.concurrency && queue.length) {
      running += 1;
      const item = queue.shift()!;
      options.work(item).then(
        (r) => {
          results.push(r);
          if (results.length >= (options.batch ?? 200)) flush();
          else armFlush();
        },
        options.onError,
      ).finally(() => {
        running -= 1;
        if (queue.length) {
          if (performance.now() - turnStarted < (options.sliceMs ?? 2)) pump();
          else nextTurn();
        } else if (running === 0 && waiters.length) flush();
        settle();
      });
    }
  }

  return {
    offer(item) {
      if (queue.length >= options.capacity) {
        dropped += 1;
        return false;
      }
      queue.push(item);
      if (queue.length === 1) nextTurn();
      return true;
    },
    get dropped() {
      return dropped;
    },
    idle() {
      if (flushTimer || results.length) flush();
      return isIdle() ? Promise.resolve() : new Promise((resolve) => waiters.push(() => resolve()));
    },
  };
}
