import pg from "pg";
import type { ConcurrencyGate } from "../connectors/http/gate.ts";
import { LeasedSemaphore, type SlotTimings } from "./leased-semaphore.ts";
import { SlotChannel } from "./slot-channel.ts";
import { SlotTable, type SlotNotice } from "./slot-table.ts";

export const DEFAULT_SLOT_TIMINGS: SlotTimings = { leaseMs: 15_000, idleMs: 50, pollMs: 200 };

export interface ClusterGatesOptions extends Partial<SlotTimings> {
  /** Unique per process: its rows in `concurrency_slots`. */
  readonly holder: string;
  readonly onError?: (error: unknown) => void;
}

/**
 * This process's side of the cluster-wide caps: the connections it uses for slots (apart from the
 * store's pool, so a slot is never queued behind a run's writes), the notice channel and the lease
 * renewal shared by every gate.
 */
export class ClusterGates {
  private readonly gates = new Map<string, LeasedSemaphore>();
  private readonly renewal: ReturnType<typeof setInterval>;
  private renewing: Promise<void> | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: SlotTable,
    private readonly channel: SlotChannel,
    private readonly timings: SlotTimings,
    private readonly holder: string,
    private readonly onError: (error: unknown) => void,
  ) {
    this.renewal = setInterval(() => void this.renew(), timings.leaseMs / 3);
    this.renewal.unref();
  }

  /** Needs the `concurrency_slots` table: open the store (which migrates) first. */
  static async open(url: string, options: ClusterGatesOptions): Promise<ClusterGates> {
    const timings = { ...DEFAULT_SLOT_TIMINGS, ...options };
    const onError = options.onError ?? (() => undefined);
    const pool = new pg.Pool({ connectionString: url, max: 3 });
    pool.on("error", onError);
    let gates: ClusterGates | undefined;
    try {
      const channel = await SlotChannel.open(url, (notice) => gates?.dispatch(notice), onError);
      gates = new ClusterGates(pool, new SlotTable(pool), channel, timings, options.holder, onError);
      return gates;
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  /** The gate for `key` admitting `size` calls across the cluster (a GateFactory). */
  readonly gate = (key: string, size: number, longestCallMs = 0): ConcurrencyGate => {
    const id = `${size} ${key}`;
    let gate = this.gates.get(id);
    if (!gate) {
      gate = new LeasedSemaphore({ ...this.timings, key, size, holder: this.holder, table: this.table, now: Date.now, onError: this.onError, longestCallMs });
      this.gates.set(id, gate);
    }
    gate.covers(longestCallMs);
    return gate;
  };

  private closing: Promise<void> | undefined;

  /** Gives every slot back and closes the connections. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      clearInterval(this.renewal);
      await this.renewing;
      await Promise.all([...this.gates.values()].map((g) => g.close()));
      await this.channel.close();
      await this.pool.end();
    })());
  }

  private dispatch(notice: SlotNotice): void {
    if (notice.holder === this.holder) return;
    for (const gate of this.gates.values()) {
      if (gate.key !== notice.key) continue;
      if (notice.kind === "free") gate.onFree(notice.holder, notice.wants);
      else gate.onWant(notice.holder);
    }
  }

  /** One statement renews every slot this process holds, whatever the key. */
  private renew(): Promise<void> {
    this.renewing ??= (async () => {
      const asks = [...this.gates.values()].map((gate) => ({ gate, ask: gate.renewalAsk() }));
      const sentAt = Date.now();
      try {
        const kept = await this.table.renew(this.holder, asks.flatMap((a) => a.ask.slots));
        for (const { gate, ask } of asks) gate.renewed(ask, new Set(kept.filter((k) => k.key === gate.key).map((k) => k.slot)), sentAt);
      } catch (error) {
        this.onError(error);
      }
    })().finally(() => (this.renewing = undefined));
    return this.renewing;
  }
}
