import type { AcceptResult, NewEvent, Store } from "./types.ts";
import { InternalError } from "../../engine/errors.ts";

export interface GroupCommitOptions {
  /** Events per transaction at most. */
  readonly maxBatch?: number;
}

interface Waiter {
  readonly event: NewEvent;
  readonly resolve: (result: AcceptResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for webhook ingest: every `accept` that arrives while a transaction is being
 * committed, or in the same event-loop turn, goes into the next transaction, so an fsync is paid per
 * batch, not per request. Each caller resolves only after the transaction holding its event
 * committed, with its own result.
 *
 * The first commit waits for `setImmediate`, i.e. until Node has handled every socket that was
 * readable in this turn. A microtask would be too early: better-sqlite3 is synchronous, so the
 * commit would block the loop before the other requests of the turn were even parsed, and each
 * would commit alone. While a commit blocks (SQLite) or is in flight (PostgreSQL), new requests
 * queue up in the kernel or here and form the next batch: the busier, the bigger. No timer, so a
 * lone request pays no added latency.
 */
export function groupCommit(store: Pick<Store, "acceptEvents">, options: GroupCommitOptions = {}) {
  const maxBatch = options.maxBatch ?? 500;
  let waiting: Waiter[] = [];
  let busy = false;

  async function drain(): Promise<void> {
    try {
      while (waiting.length) {
        const batch = waiting.length <= maxBatch ? waiting : waiting.slice(0, maxBatch);
        waiting = batch === waiting ? [] : waiting.slice(maxBatch);
        await commit(batch);
      }
    } finally {
      busy = false;
    }
  }

  /**
   * One bad event (it cannot be serialised, say) fails the whole transaction; halving finds it in
   * O(log n) more commits while its neighbours still commit together and are answered.
   */
  async function commit(batch: readonly Waiter[]): Promise<void> {
    let results: AcceptResult[];
    try {
      results = await store.acceptEvents(batch.map((w) => w.event));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      const half = Math.ceil(batch.length / 2);
      await commit(batch.slice(0, half));
      await commit(batch.slice(half));
      return;
    }
    batch.forEach((w, i) => {
      const result = results[i];
      if (result) w.resolve(result);
      else w.reject(new InternalError(`group commit: the store answered ${results.length} results for ${batch.length} events`));
    });
  }

  return {
    accept(event: NewEvent): Promise<AcceptResult> {
      return new Promise<AcceptResult>((resolve, reject) => {
        waiting.push({ event, resolve, reject });
        if (busy) return;
        busy = true;
        setImmediate(() => void drain());
      });
    },
  };
}
