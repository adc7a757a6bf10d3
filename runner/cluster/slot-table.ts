import type pg from "pg";
import { POSTGRES_NOW } from "../store/sql/dialect.ts";

/** Replicas announce freed slots and unmet demand on this channel (NOTIFY payload: a SlotNotice as JSON). */
export const SLOT_CHANNEL = "koppel_slots";

/**
 * `free`: `holder` gave slots of `key` back; `wants` says whether it still has calls waiting.
 * `want`: `holder` has calls waiting for `key` and no slot to give them.
 */
export type SlotNotice =
  | { readonly kind: "free"; readonly key: string; readonly holder: string; readonly wants: boolean }
  | { readonly kind: "want"; readonly key: string; readonly holder: string };

export interface HeldSlot {
  readonly key: string;
  readonly slot: number;
}

/** A held slot with the lease its gate keeps it for. */
export interface LeasedSlot extends HeldSlot {
  readonly leaseMs: number;
}

/** Leases are stamped with PostgreSQL's clock, so replicas whose clocks disagree still agree on expiry. */
const DB_NOW = POSTGRES_NOW;

/** The rows of `concurrency_slots` (migration 2): one statement per operation, each one round trip. */
export class SlotTable {
  private readonly ensured = new Set<string>();

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Takes up to `n` free slots of `key` among its first `size`, leased to `holder` for `leaseMs`.
   * A slot whose lease has passed is free: its holder died or lost PostgreSQL.
   */
  async acquire(key: string, size: number, holder: string, n: number, leaseMs: number): Promise<number[]> {
    await this.ensure(key, size);
    const { rows } = await this.pool.query<{ slot: number }>(
      `UPDATE concurrency_slots s SET holder = $2, lease_until = ${DB_NOW} + $4
       FROM (SELECT slot FROM concurrency_slots
             WHERE key = $1 AND slot < $3 AND (holder IS NULL OR lease_until < ${DB_NOW})
             ORDER BY slot LIMIT $5 FOR UPDATE SKIP LOCKED) free
       WHERE s.key = $1 AND s.slot = free.slot
       RETURNING s.slot`,
      [key, holder, size, leaseMs, n],
    );
    return rows.map((r) => r.slot);
  }

  /** Gives slots back and, in the same statement, tells the other replicas (delivered at commit). */
  async release(key: string, holder: string, slots: readonly number[], wants: boolean): Promise<void> {
    const notice: SlotNotice = { kind: "free", key, holder, wants };
    await this.pool.query(
      `WITH freed AS (
         UPDATE concurrency_slots SET holder = NULL, lease_until = 0
         WHERE key = $1 AND holder = $2 AND slot = ANY($3::int[]) RETURNING slot)
       SELECT pg_notify('${SLOT_CHANNEL}', $4) FROM freed LIMIT 1`,
      [key, holder, slots, JSON.stringify(notice)],
    );
  }

  /**
   * Extends the leases of the slots `holder` believes it holds; returns those it still does. Only
   * those: a row it lost track of (a failed release) is left to expire rather than kept forever.
   */
  async renew(holder: string, held: readonly LeasedSlot[]): Promise<HeldSlot[]> {
    if (held.length === 0) return [];
    const { rows } = await this.pool.query<HeldSlot>(
      `UPDATE concurrency_slots s SET lease_until = ${DB_NOW} + h.lease
       FROM unnest($2::text[], $3::int[], $4::bigint[]) AS h(key, slot, lease)
       WHERE s.key = h.key AND s.slot = h.slot AND s.holder = $1
       RETURNING s.key, s.slot`,
      [holder, held.map((h) => h.key), held.map((h) => h.slot), held.map((h) => h.leaseMs)],
    );
    return rows;
  }

  async notify(notice: SlotNotice): Promise<void> {
    await this.pool.query(`SELECT pg_notify('${SLOT_CHANNEL}', $1)`, [JSON.stringify(notice)]);
  }

  /** The slot rows exist before anyone competes for them; a larger `size` later adds the missing ones. */
  private async ensure(key: string, size: number): Promise<void> {
    const id = `${size} ${key}`;
    if (this.ensured.has(id)) return;
    await this.pool.query(
      `INSERT INTO concurrency_slots (key, slot) SELECT $1, g FROM generate_series(0, $2 - 1) AS g ON CONFLICT DO NOTHING`,
      [key, size],
    );
    this.ensured.add(id);
  }
}
