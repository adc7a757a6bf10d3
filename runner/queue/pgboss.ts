import PgBoss from "pg-boss";
import type { Ctx } from "../store/sql/context.ts";
import { all, effect, placeholders, type Program, type SqlExecutor } from "../store/sql/program.ts";
import { PostgresDriver } from "../store/postgres.ts";
import type { SqlStore } from "../store/sql/store.ts";
import { SqlJobQueue } from "./core.ts";
import { CLAIMABLE, type Delivery } from "./sql.ts";
import { InternalError } from "../../common/errors.ts";

export const PGBOSS_QUEUE = "koppel-jobs";

export interface PgBossQueueOptions {
  /** pg-boss maintenance (archiving and deleting old pg-boss rows); off in tests. Default true. */
  readonly supervise?: boolean;
  readonly onError?: (error: Error) => void;
  /** Lease expiries after which a job is failed as POISONED (default 3). */
  readonly poisonAfter?: number;
}

/**
 * pg-boss carries the claimable jobs: a job is handed to pg-boss only once it is the head of its
 * ordering key (scopedKey) and due, and pg-boss's SKIP LOCKED fetch gives it to exactly one claimer.
 *
 * Why not pg-boss's own ordering and retry: its `singleton` policy enforces "one active per key"
 * with a unique index, and fetch swallows the violation and returns an empty batch, so one busy key
 * stalls every other key behind it; a job waiting in pg-boss `retry` does not hold back later jobs
 * of its key; and pg-boss's retry and expiry clock is the database's `now()`, not the injected one.
 * So ordering, leases, retry times and attempts live in the jobs table (shared with SQLite) and
 * pg-boss is the delivery. Every pg-boss call runs on the claim's own transaction (the `db` option),
 * so a hand-off, fetch or settle commits or rolls back with the jobs table.
 */
class PgBossDelivery implements Delivery {
  constructor(private readonly boss: PgBoss) {}

  *take(_ctx: Ctx, now: number, limit: number): Program<string[]> {
    const handed = yield* all<{ id: string; delivery: string }>(
      `UPDATE jobs SET delivery = gen_random_uuid()::text
       WHERE id IN (SELECT j.id FROM jobs j WHERE ${CLAIMABLE} AND j.delivery IS NULL ORDER BY j.seq LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id, delivery`,
      [now, limit],
    );
    if (handed.length) {
      const jobs = handed.map((h) => ({ id: h.delivery, name: PGBOSS_QUEUE, data: { jobId: h.id } }));
      yield* effect((db) => this.boss.insert(jobs, { db: adapt(db) }));
    }
    // ignoreStartAfter: every job handed over is due; its time was checked above on our clock.
    const fetched = yield* effect((db) =>
      this.boss.fetch<{ jobId: string }>(PGBOSS_QUEUE, { db: adapt(db), batchSize: limit, ignoreStartAfter: true }),
    );
    if (!fetched.length) return [];
    const deliveries = fetched.map((f) => f.id);
    const matched = yield* all<{ id: string; delivery: string }>(
      `SELECT id, delivery FROM jobs WHERE state = 'ready' AND delivery IN (${placeholders(deliveries.length, 1)}) ORDER BY seq`,
      deliveries,
    );
    // A pg-boss job without its ready row (a hand-off that outlived its job) is dropped.
    const known = new Set(matched.map((m) => m.delivery));
    yield* this.settle(deliveries.filter((d) => !known.has(d)));
    return matched.map((m) => m.id);
  }

  *settle(deliveryIds: readonly string[]): Program<void> {
    if (!deliveryIds.length) return;
    yield* effect((db) => this.boss.deleteJob(PGBOSS_QUEUE, [...deliveryIds], { db: adapt(db) }));
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, close: false, wait: true });
  }
}

function adapt(db: SqlExecutor): PgBoss.Db {
  return { executeSql: (text, values) => db.executeSql(text, values) };
}

export async function openPgBossQueue(store: SqlStore, options: PgBossQueueOptions = {}): Promise<SqlJobQueue> {
  const driver = store.driver;
  if (!(driver instanceof PostgresDriver)) throw new InternalError("the pg-boss queue needs a PostgreSQL store");
  const boss = new PgBoss({
    // pg-boss shares the store's pool: one set of connections per replica.
    db: adapt({ executeSql: (text, values) => driver.pool.query(text, values) }),
    supervise: options.supervise ?? true,
    schedule: false,
    migrate: true,
  });
  boss.on("error", options.onError ?? ((error) => console.error("pg-boss:", error)));
  // pg-boss's own install lock does not stop replicas starting together on a fresh database from
  // racing on CREATE SCHEMA pgboss (duplicate key in pg_namespace), so they take turns on ours.
  await driver.exclusively(async () => {
    await boss.start();
    // retryLimit 0: pg-boss never re-delivers on its own; lost leases come back through the jobs table.
    await boss.createQueue(PGBOSS_QUEUE, { name: PGBOSS_QUEUE, policy: "standard", retryLimit: 0 });
  });
  return new SqlJobQueue("pg-boss", store, new PgBossDelivery(boss), options.poisonAfter);
}
