import type { AcceptResult, NewEvent, Store } from "./types.ts";

export interface GroupCommitOptions {
  /** Events per transaction at most. */
  readonly maxBatch?: number;
}

/**
 * Group commit for webhook ingest: concurrent `accept` calls arriving while a transaction is being
 * committed are gathered and committed together in the next one, so an fsync is paid per batch, not
 * per request. Each caller still resolves only after its own event is durable. No timer: a lone
 * request commits at once; batching happens exactly when there is load.
 */
export function groupCommit(store: Pick<Store, "acceptEvents">, options: GroupCommitOptions = {}) {
  const maxBatch = options.maxBatch ?? 500;
  type Waiter = { event: NewEvent; resolve: (r: AcceptResult) => void; reject: (e: unknown) => void };
  let waiting: Waiter[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    flushing = true;
    while (waiting.length) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        const results = await store.acceptEvents(batch.map((w) => w.event));
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (error) {
        // One bad event must not fail its neighbours: retry them one by one.
        if (batch.length === 1) batch[0]!.reject(error);
        else for (const w of batch) await store.acceptEvents([w.event]).then(([r]) => w.resolve(r!), w.reject);
      }
    }
    flushing = false;
  }

  return {
    accept(event: NewEvent): Promise<AcceptResult> {
      return new Promise<AcceptResult>((resolve, reject) => {
        waiting.push({ event, resolve, reject });
        // Let every request already in this tick join the batch before the first commit starts.
        if (!flushing) {
          flushing = true;
          queueMicrotask(() => void flush());
        }
      });
    },
  };
}
