import type { ClaimedJob } from "../queue/types.ts";
import type { AcceptResult, HandOff, NewEvent, Store } from "./types.ts";
import { InternalError } from "../../common/errors.ts";

export interface GroupCommitOptions {
  /** Items per transaction at most. */
  readonly maxBatch?: number;
}

interface Waiter<I, O> {
  readonly item: I;
  readonly resolve: (result: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: every item that arrives while a transaction is being committed, or in the same
 * event-loop turn, goes into the next transaction, so a commit (and its fsync or round trips) is paid
 * per batch, not per item. Each caller resolves only after the transaction holding its item
 * committed, with its own result (`commit` answers one result per item, in order).
 *
 * The first commit waits for `setImmediate`, i.e. until Node has handled every socket that was
 * readable in this turn. A microtask would be too early: the other requests of the turn would not
 * even be parsed yet, and each would commit alone. While a commit is in flight, new items queue up
 * here and form the next batch: the busier, the bigger. No timer, so a lone item pays no added
 * latency.
 */
export function batchCommits<I, O>(commit: (batch: readonly I[]) => Promise<readonly O[]>, options: GroupCommitOptions = {}) {
  const maxBatch = options.maxBatch ?? 500;
  let waiting: Waiter<I, O>[] = [];
  let busy = false;

  async function drain(): Promise<void> {
    try {
      while (waiting.length) {
        const batch = waiting.length <= maxBatch ? waiting : waiting.slice(0, maxBatch);
        waiting = batch === waiting ? [] : waiting.slice(maxBatch);
        await attempt(batch);
      }
    } finally {
      busy = false;
    }
  }

  /**
   * One bad item (it cannot be serialised, say) fails the whole transaction; halving finds it in
   * O(log n) more commits while its neighbours still commit together and are answered.
   */
  async function attempt(batch: readonly Waiter<I, O>[]): Promise<void> {
    let results: readonly O[];
    try {
      results = await commit(batch.map((w) => w.item));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      const half = Math.ceil(batch.length / 2);
      await attempt(batch.slice(0, half));
      await attempt(batch.slice(half));
      return;
    }
    batch.forEach((w, i) => {
      if (i < results.length) w.resolve(results[i]!);
      else w.reject(new InternalError(`group commit: ${results.length} results for ${batch.length} items`));
    });
  }

  return (item: I): Promise<O> =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (busy) return;
      busy = true;
      setImmediate(() => void drain());
    });
}

/** A worker of this process that takes accepted jobs straight from their transaction (Worker.reserve/adopt). */
export interface HandOffTarget {
  handOff(limit: number): HandOff;
  adopt(slots: number, jobs: readonly ClaimedJob[]): void;
}

interface Accept {
  readonly event: NewEvent;
  /** Worker slots reserved for the event's jobs (HandOffTarget); 0 once given back. */
  slots: number;
}

/**
 * Webhook ingest: accepted events share inbox transactions. With a hand-off target, a transaction
 * leases as many jobs to it as its events hold slots for, and gives them over once durable.
 */
export function groupCommit(store: Pick<Store, "acceptEvents">, options: GroupCommitOptions & { readonly handOff?: HandOffTarget } = {}) {
  const target = options.handOff;
  const commit = batchCommits<Accept, AcceptResult>(async (batch) => {
    const events = batch.map((a) => a.event);
    const slots = batch.reduce((n, a) => n + a.slots, 0);
    if (!target || !slots) return store.acceptEvents(events);
    let leased: readonly ClaimedJob[] = [];
    try {
      const results = await store.acceptEvents(events, target.handOff(slots));
      leased = results.flatMap((r) => r.leased ?? []);
      return results;
    } finally {
      // Given back whatever happened: a batch that failed is committed again in halves, without them.
      // A commit that went through although the call failed (its answer lost) leaves its jobs leased
      // to no one running them: they come back when their lease expires, with an expiry counted.
      for (const a of batch) a.slots = 0;
      target.adopt(slots, leased);
    }
  }, options);
  return { accept: (event: NewEvent, slots = 0) => commit({ event, slots }) };
}
